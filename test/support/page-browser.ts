/**
 * A stand-in for a person at a browser, for `gatehouse client` tests: run as $BROWSER with the
 * authorization URL, it signs in through Gatehouse's development login, approves the consent page and
 * delivers the authorization response to the client's loopback callback.
 * Env: PAGE_BROWSER_EMAIL (default alice@example.com), PAGE_BROWSER_DECISION (approve|deny).
 */
import { authorizeThroughPages, createBrowser } from './oauth-driver';

const url = process.argv[2];
if (!url) throw new Error('usage: page-browser <authorization-url>');
const origin = new URL(url).origin;
const landed = await authorizeThroughPages(createBrowser(origin), url, {
  email: process.env.PAGE_BROWSER_EMAIL ?? 'alice@example.com',
  decision: process.env.PAGE_BROWSER_DECISION === 'deny' ? 'deny' : 'approve',
});
await fetch(landed);
