import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium } from '../support/chromium';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { authorizeUrl, pkcePair, tokenRequest } from '../support/oauth-driver';
import { startTestIdp, type TestIdp } from '../support/oidc-idp';

const REDIRECT = 'http://127.0.0.1:45679/callback'; // the browser's request there is answered by the test

/** The whole person-facing path in headless Chromium: IdP chooser -> real OIDC IdP -> consent -> apps. */
describe.skipIf(!chromiumAvailable)(
  'login, consent and connected apps in Chromium, with the IdP chooser',
  () => {
    let idp: TestIdp;
    let other: TestIdp;
    let gatehouse: TestGatehouse;
    let browser: Browser;

    beforeAll(async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      idp = await startTestIdp({
        claimsInIdToken: true,
        users: { alice: { email: 'alice@example.com', name: 'Alice Example' } },
        clients: [
          {
            clientId: 'gatehouse',
            clientSecret: 'idp-secret-0123456789',
            redirectUris: [`${base}/login/corp/callback`],
          },
        ],
      });
      other = await startTestIdp({
        users: { zed: { email: 'zed@example.com' } },
        clients: [{ clientId: 'gatehouse', redirectUris: [`${base}/login/partner/callback`] }],
      });
      gatehouse = await startTestGatehouse(
        {
          devLogin: { enabled: false },
          access: { domains: ['example.com'] },
          clients: [{ clientId: 'desktop', clientName: 'Desktop Agent', redirectUris: [REDIRECT] }],
          identityProviders: [
            {
              id: 'corp',
              type: 'oidc',
              displayName: 'Corp SSO',
              issuer: idp.issuer,
              clientId: 'gatehouse',
              clientSecret: 'idp-secret-0123456789',
            },
            {
              id: 'partner',
              type: 'oidc',
              displayName: 'Partner SSO',
              issuer: other.issuer,
              clientId: 'gatehouse',
            },
          ],
        },
        { port },
      );
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await gatehouse?.close();
      await idp?.close();
      await other?.close();
    });

    it('chooses the IdP, signs in there, consents, and sees the app under Connected apps', async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const context = await browser.newContext();
      const page = await context.newPage();
      const pkce = await pkcePair();
      const start = authorizeUrl(gatehouse.url, {
        response_type: 'code',
        client_id: 'desktop',
        redirect_uri: REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
      });
      await page.goto(new URL(start, gatehouse.url).toString());
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.screenshot({ path: join(ARTIFACTS, 'identity-chooser.png'), fullPage: true });
      expect(await page.locator('a[data-idp]').allTextContents()).toEqual([
        'Continue with Corp SSO',
        'Continue with Partner SSO',
      ]);

      await Promise.all([
        page.waitForURL((url) => url.pathname === '/oauth/consent'),
        page.click('a[data-idp=corp]'),
      ]);
      expect(await page.textContent('body')).toContain('Desktop Agent');
      expect(await page.textContent('body')).toContain('alice@example.com');
      await page.screenshot({ path: join(ARTIFACTS, 'identity-consent.png'), fullPage: true });

      await page.route(`${REDIRECT}**`, (route) =>
        route.fulfill({ status: 200, body: 'client received the code' }),
      );
      const landed = page.waitForRequest((request) => request.url().startsWith(REDIRECT));
      await page.click('button[value=approve]');
      const callback = new URL((await landed).url());
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(callback.searchParams.get('state')).toBe('xyz');
      expect(callback.searchParams.get('iss')).toBe(gatehouse.url);

      // The client exchanges its code: the grant now exists.
      const tokens = await tokenRequest(gatehouse.url, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT,
        client_id: 'desktop',
        code_verifier: pkce.verifier,
      });
      expect(tokens.status).toBe(200);

      // Another tab of the same browser: the session from the federated login is there.
      const account = await context.newPage();
      await account.goto(`${gatehouse.url}/account/apps`);
      const apps = await account.textContent('body');
      expect(apps).toContain('Desktop Agent');
      expect(apps).toContain('alice@example.com');
      await account.screenshot({ path: join(ARTIFACTS, 'identity-connected-apps.png'), fullPage: true });
      await context.close();
    });
  },
);
