import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeThroughIdp, follow } from '../support/federated-login';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { connectOverHttp } from '../support/hub';
import { listTools } from '../support/mcp-call';
import { createBrowser, tokenRequest } from '../support/oauth-driver';
import { startTestIdp, type TestIdp } from '../support/oidc-idp';
import { createPatThroughPage } from '../support/pat';

const REDIRECT = 'http://127.0.0.1/callback';

/**
 * Identity drift (DESIGN §5) against a real OpenID Connect provider: the IdP's refresh token is kept, and
 * every refresh-token use at Gatehouse re-validates the user there (interval 0 here, so every time).
 */
describe('identity drift and revocation hygiene', () => {
  let idp: TestIdp;
  let gatehouse: TestGatehouse;
  const users: Record<string, { email: string; disabled?: boolean; groups?: string[] }> = {
    erin: { email: 'erin@example.com' },
    frank: { email: 'frank@example.com' },
    heidi: { email: 'heidi@example.com' },
    ivan: { email: 'ivan@example.com' },
    judy: { email: 'judy@example.com' },
    grace: { email: 'grace@example.com' },
  };
  let upstream: TestGatehouse;

  beforeAll(async () => {
    const port = await freePort();
    // An upstream MCP server with its own authorization server, in the hub's catalog.
    upstream = await startTestGatehouse({}, { host: 'localhost' });
    idp = await startTestIdp({
      claimsInIdToken: true,
      users,
      clients: [
        {
          clientId: 'gatehouse',
          clientSecret: 'idp-secret-0123456789',
          redirectUris: [`http://127.0.0.1:${port}/login/corp/callback`],
        },
      ],
    });
    gatehouse = await startTestGatehouse(
      {
        devLogin: { enabled: false },
        access: { domains: ['example.com'] },
        identity: { recheckIntervalSeconds: 0 },
        hub: {
          enabled: true,
          catalog: [
            { slug: 'up', name: 'Upstream', url: `${upstream.config.issuer}/mcp`, auth: { type: 'oauth' } },
          ],
        },
        clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: [REDIRECT] }],
        identityProviders: [
          {
            id: 'corp',
            type: 'oidc',
            issuer: idp.issuer,
            clientId: 'gatehouse',
            clientSecret: 'idp-secret-0123456789',
            keepTokens: true,
          },
        ],
      },
      { port },
    );
  });
  afterAll(async () => {
    await gatehouse?.close();
    await upstream?.close();
    await idp?.close();
  });

  /** Login at the IdP as `who`, consent, and exchange the code: the MCP client's tokens. */
  async function connect(who: string) {
    idp.state.nextLogin = who;
    const browser = createBrowser(gatehouse.url);
    return { browser, ...(await authorizeThroughIdp(gatehouse.url, browser, 'cli', REDIRECT)) };
  }
  const refresh = (token: string) =>
    tokenRequest(gatehouse.url, { grant_type: 'refresh_token', refresh_token: token, client_id: 'cli' });
  const mcpStatus = async (token: string) => (await listTools(gatehouse.url, token)).status;
  const driftEvents = () =>
    gatehouse.logs.lines
      .filter((line) => line.includes('"audit drift.revoked"'))
      .map((line) => JSON.parse(line).audit);

  it('re-validates at the IdP on refresh and keeps a user whose identity holds', async () => {
    const { access, refresh: rt } = await connect('erin');
    expect(await mcpStatus(access)).toBe(200);
    const before = idp.count('POST /token');
    const next = await refresh(rt);
    expect(next.status).toBe(200);
    expect(idp.count('POST /token')).toBe(before + 1); // the IdP refresh token was used
    expect(await mcpStatus(next.body.access_token ?? '')).toBe(200);
    // and again with the IdP's rotated refresh token, which Gatehouse stored
    expect((await refresh(next.body.refresh_token ?? '')).status).toBe(200);
  });

  it("revokes the user's grants, tokens and sessions when their email changes at the IdP", async () => {
    const { browser, access, refresh: rt } = await connect('frank');
    const laptop = createBrowser(gatehouse.url); // a second browser session of the same user
    expect((await follow(laptop, '/login/corp')).url.pathname).toBe('/');
    users.frank = { email: 'frank.new@example.com' };
    const refused = await refresh(rt);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect(refused.body.error_description).toMatch(/sign in again/);
    expect(await mcpStatus(access)).toBe(401);
    // the browser sessions ended too
    expect((await browser.get('/account/apps')).status).toBe(302);
    expect((await laptop.get('/account/apps')).status).toBe(302);
    expect(driftEvents().at(-1)).toMatchObject({ reason: 'email_changed' });
    // The user signs in again with the new email and is admitted afresh.
    const again = await connect('frank');
    expect(await mcpStatus(again.access)).toBe(200);
  });

  it('revokes a user the IdP has disabled, personal access tokens included', async () => {
    const { browser, access, refresh: rt } = await connect('heidi');
    const created = await createPatThroughPage(browser, {
      name: 'script',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    });
    const pat = created.token ?? '';
    expect(await mcpStatus(pat)).toBe(200);
    users.heidi = { email: 'heidi@example.com', disabled: true };
    const refused = await refresh(rt);
    expect(refused.body.error).toBe('invalid_grant');
    expect(await mcpStatus(access)).toBe(401);
    expect(await mcpStatus(pat)).toBe(401); // the user's tokens die with the user
    expect(driftEvents().at(-1)).toMatchObject({ reason: 'idp_refused' });
    const rows = await gatehouse.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'drift.revoked')
      .execute();
    expect(rows.some((row) => row.reason === 'idp_refused')).toBe(true);
  });

  it("revokes the user's hub connections too, at the upstream where it offers revocation", async () => {
    const { browser, refresh: rt } = await connect('grace');
    expect(await connectOverHttp(browser, gatehouse.url, 'up', upstream.url, 'grace@example.com')).toBe(303);
    const connections = () => gatehouse.database.db.selectFrom('hub_connections').selectAll().execute();
    expect(await connections()).toHaveLength(1);
    const revocations = () =>
      upstream.logs.lines.filter((line) => line.includes('"path":"/oauth/revoke"')).length;
    const before = revocations();
    users.grace = { email: 'grace@example.com', disabled: true };
    expect((await refresh(rt)).body.error).toBe('invalid_grant');
    expect(await connections()).toHaveLength(0);
    expect(revocations()).toBe(before + 1);
    const disconnected = gatehouse.logs.lines.filter((line) => line.includes('"audit hub.disconnected"'));
    expect(JSON.parse(disconnected.at(-1) ?? '{}').audit).toMatchObject({
      reason: 'drift',
      revokedUpstream: true,
    });
  });

  it('revokes a user at login when the policy no longer admits their new email', async () => {
    const { access } = await connect('ivan');
    users.ivan = { email: 'ivan@elsewhere.org' };
    idp.state.nextLogin = 'ivan';
    const { response } = await follow(createBrowser(gatehouse.url), '/login/corp');
    expect(response.status).toBe(403);
    expect(await mcpStatus(access)).toBe(401);
    expect(driftEvents().at(-1)).toMatchObject({ reason: 'policy' });
  });

  it('does not read a claim the IdP stopped sending as a change (drift needs positive evidence)', async () => {
    const { access, refresh: rt } = await connect('judy');
    users.judy = { email: undefined as unknown as string };
    const next = await refresh(rt);
    expect(next.status).toBe(200);
    expect(await mcpStatus(access)).toBe(200);
    users.judy = { email: 'judy@elsewhere.org' };
    expect((await refresh(next.body.refresh_token ?? '')).body.error).toBe('invalid_grant');
  });

  it('keeps the user when the IdP is unreachable at refresh (nothing is revoked on an outage)', async () => {
    users.erin = { email: 'erin@example.com' };
    const { access, refresh: rt } = await connect('erin');
    idp.state.down = true;
    try {
      const next = await refresh(rt);
      expect(next.status).toBe(200);
      expect(await mcpStatus(access)).toBe(200);
    } finally {
      idp.state.down = false;
    }
  });
});
