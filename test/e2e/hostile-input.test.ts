import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, postgresUrl } from '../support/databases';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { authorizeUrl, createBrowser, devLogin } from '../support/oauth-driver';

const MALFORMED_MULTIPART = {
  'content-type': 'multipart/form-data; boundary=XYZ',
  body: '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nalice@example.com\r\n--XY',
};

for (const driver of ['sqlite', 'postgres'] as const) {
  describe.skipIf(driver === 'postgres' && !postgresUrl)(`hostile input [${driver}]`, () => {
    let gh: TestGatehouse;
    beforeAll(async () => {
      gh = await startTestGatehouse(
        {
          resources: [{ path: '/mcp', name: 'Demo', scopes: [{ name: 'mcp:tools', description: 'Tools' }] }],
          clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: ['http://127.0.0.1:9999/cb'] }],
        },
        { database: await openTestDatabase(driver) },
      );
    });
    afterAll(async () => {
      await gh?.close();
    });

    it.each([
      '/login',
      '/oauth/consent',
      '/account/tokens',
      '/account/tokens/revoke',
      '/account/apps/revoke',
    ])('a malformed multipart body at %s is a 415, never a 500', async (path) => {
      const browser = createBrowser(gh.url);
      await devLogin(browser);
      const response = await fetch(new URL(path, gh.url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': MALFORMED_MULTIPART['content-type'], cookie: browser.jar.header() },
        body: MALFORMED_MULTIPART.body,
      });
      expect(response.status).toBe(415);
      expect(await response.text()).not.toMatch(/at .*\.ts:\d+/);
    });

    it('a NUL or other control character in client_id is an unknown client at every endpoint', async () => {
      for (const clientId of ['cli\u0000', 'c\u0001li', 'https://a.example.com/\u0000x']) {
        const page = await fetch(
          `${gh.url}${authorizeUrl(gh.url, { response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:9999/cb' })}`,
          { redirect: 'manual' },
        );
        expect(page.status).toBe(400);
        for (const path of ['/oauth/token', '/oauth/revoke']) {
          const response = await fetch(`${gh.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: 'x',
              token: 'x',
              client_id: clientId,
            }),
          });
          expect(response.status).toBe(401);
          expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
        }
      }
    });
  });
}
