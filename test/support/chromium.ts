import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '../../test-results');

/**
 * Browser tests run wherever Chromium is installed and always in CI (where a missing browser fails them);
 * elsewhere they are reported as skipped with the reason, so `npm test` works on a machine without it.
 */
export const chromiumAvailable = existsSync(CHROMIUM_PATH) || Boolean(process.env.CI);
if (!chromiumAvailable) {
  console.warn(
    `\n[gatehouse] browser tests are SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium).\n`,
  );
}

/** The system Chromium, headless, with the flags this sandboxed, offline machine needs. Never downloads one. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Fills and submits the development login form the page is on; resolves once the browser has left it. */
export async function submitDevLogin(page: Page, email: string): Promise<void> {
  await page.fill('input[name=email]', email);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('button[type=submit]')]);
}

/**
 * Completes an authorization in the real pages: the dev login (if shown), then Approve on the consent page.
 * Resolves once the browser has been sent to `callbackPrefix`; keeps a screenshot of the consent page.
 */
export async function approveInChromium(
  page: Page,
  authorizationUrl: string,
  callbackPrefix: string,
  options: { email?: string; screenshot?: string } = {},
): Promise<string> {
  const landed = page.waitForRequest((request) => request.url().startsWith(callbackPrefix), {
    timeout: 15_000,
  });
  await page.goto(authorizationUrl);
  if (new URL(page.url()).pathname === '/login')
    await submitDevLogin(page, options.email ?? 'alice@example.com');
  await page.waitForSelector('button[value=approve]');
  if (options.screenshot) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, options.screenshot), fullPage: true });
  }
  await page.click('button[value=approve]');
  return (await landed).url();
}
