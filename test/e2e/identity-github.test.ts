import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeThroughIdp, follow } from '../support/federated-login';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { startFakeGitHub } from '../support/github-fake';
import { createBrowser, tokenRequest } from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1/callback';

describe('GitHub preset (OAuth 2.0 + REST API, against a small fake of GitHub)', () => {
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;
  let gatehouse: TestGatehouse;

  beforeAll(async () => {
    github = await startFakeGitHub({
      clientId: 'Iv1.gatehouse',
      clientSecret: 'gh-secret-0123456789',
      users: [
        {
          id: 101,
          login: 'octo',
          name: 'Octo Cat',
          emails: [{ email: 'Octo@Example.com', primary: true, verified: true }],
        },
        {
          id: 102,
          login: 'sneaky',
          emails: [
            { email: 'sneaky@example.com', primary: true, verified: false },
            { email: 'sneaky@other.org', primary: false, verified: true },
          ],
        },
        {
          id: 103,
          login: 'member',
          emails: [{ email: 'm@personal.dev', primary: true, verified: true }],
          orgs: ['acme'],
        },
        {
          id: 104,
          login: 'stranger',
          emails: [{ email: 's@personal.dev', primary: true, verified: true }],
          orgs: ['other'],
        },
      ],
    });
    const port = await freePort();
    gatehouse = await startTestGatehouse(
      {
        devLogin: { enabled: false },
        access: { domains: ['example.com'], groups: ['ACME'] },
        identity: { recheckIntervalSeconds: 0 },
        clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: [REDIRECT] }],
        identityProviders: [
          {
            id: 'gh',
            type: 'github',
            clientId: 'Iv1.gatehouse',
            clientSecret: 'gh-secret-0123456789',
            baseUrl: github.url,
            apiUrl: `${github.url}/api`,
            scopes: ['read:org'],
            keepTokens: true,
          },
        ],
      },
      { port },
    );
  });
  afterAll(async () => {
    await gatehouse?.close();
    await github?.close();
  });

  const login = (who: string) => {
    github.state.nextLogin = who;
    const browser = createBrowser(gatehouse.url);
    return { browser, done: follow(browser, '/login') };
  };
  const lastAudit = (event: string) =>
    gatehouse.logs.lines
      .filter((line) => line.includes(`"audit ${event}"`))
      .map((line) => JSON.parse(line).audit)
      .at(-1);

  it('goes straight to GitHub when it is the only way in, and signs in a verified primary email', async () => {
    const { browser, done } = login('octo');
    const first = await browser.get('/login');
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/login/gh');
    const { url, response } = await done;
    expect(url.pathname).toBe('/');
    expect(await response.text()).toContain('octo@example.com');
    expect(lastAudit('login.succeeded')).toMatchObject({ idp: 'gh' });
    expect(github.state.requests).toContain('GET /api/user/emails');
  });

  it('refuses an unverified primary email, even when a secondary one is verified', async () => {
    const { response } = await login('sneaky').done;
    expect(response.status).toBe(403);
    expect(lastAudit('login.failed')).toMatchObject({ reason: 'email_unverified', idp: 'gh' });
  });

  it('admits by organisation membership (read:org) and refuses other organisations', async () => {
    expect((await login('member').done).url.pathname).toBe('/');
    const { response } = await login('stranger').done;
    expect(response.status).toBe(403);
    expect(lastAudit('login.failed')).toMatchObject({ reason: 'not_admitted' });
  });

  it('shows a clear page when GitHub refuses the code (GitHub answers errors with HTTP 200)', async () => {
    github.state.nextLogin = 'octo';
    const browser = createBrowser(gatehouse.url);
    const { url } = await follow(browser, '/login/gh', (next) => next.pathname === '/login/gh/callback');
    url.searchParams.set('code', 'not-a-code');
    const response = await browser.get(url.toString());
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('Reason: idp_error');
  });

  it('revokes the grant when the user revokes Gatehouse at GitHub (re-validated at refresh)', async () => {
    github.state.nextLogin = 'octo';
    const tokens = await authorizeThroughIdp(gatehouse.url, createBrowser(gatehouse.url), 'cli', REDIRECT);
    const ok = await tokenRequest(gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh,
      client_id: 'cli',
    });
    expect(ok.status).toBe(200);
    github.revokeTokensOf('octo');
    const refused = await tokenRequest(gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: ok.body.refresh_token,
      client_id: 'cli',
    });
    expect(refused.body.error).toBe('invalid_grant');
    expect(lastAudit('drift.revoked')).toMatchObject({ reason: 'idp_refused' });
  });
});
