import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqlDatabase } from '../../src/store';
import { openTestDatabase, postgresUrl } from '../support/databases';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { connectOverHttp, createHubPat } from '../support/hub';
import { callToolRaw } from '../support/mcp-call';
import { createBrowser, devLogin } from '../support/oauth-driver';

const EMAIL = 'refresh@example.com';

/**
 * The token vault under load: the upstream access token of a connection is refreshed once however many
 * calls find it expiring — in one process and across two instances sharing PostgreSQL — and an upstream
 * that no longer accepts the refresh token marks the connection broken.
 */
describe.each(
  postgresUrl ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const),
)('hub token refresh [%s]', (driver) => {
  let upstream: TestGatehouse;
  let hubs: TestGatehouse[];
  let pat: string;
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  let second: SqlDatabase | undefined;

  beforeAll(async () => {
    upstream = await startTestGatehouse({}, { host: 'localhost' });
    const hub = {
      enabled: true,
      catalog: [
        {
          slug: 'up',
          name: 'Upstream',
          url: `${upstream.config.issuer}/mcp`,
          auth: { type: 'oauth' as const },
        },
      ],
    };
    // Two instances behind one issuer, one database: PostgreSQL in its own schema; SQLite one process only.
    const first =
      driver === 'postgres'
        ? openDatabase(postgresUrl as string, { schema, poolSize: 20 })
        : await openTestDatabase('sqlite');
    const primary = await startTestGatehouse({ hub }, { database: first });
    hubs = [primary];
    if (driver === 'postgres') {
      second = openDatabase(postgresUrl as string, { schema, poolSize: 20 });
      const port = await freePort();
      hubs.push(
        await startTestGatehouse(
          { hub, issuer: primary.config.issuer, listen: { host: '127.0.0.1', port } },
          { database: second, port },
        ),
      );
    }
    const browser = createBrowser(primary.url);
    await devLogin(browser, EMAIL);
    pat = await createHubPat(browser, 'agent');
    expect(await connectOverHttp(browser, primary.url, 'up', upstream.url, EMAIL)).toBe(303);
  }, 60_000);
  afterAll(async () => {
    for (const hub of hubs ?? []) await hub.close();
    await upstream?.close();
    if (driver === 'postgres') {
      const cleanup = openDatabase(postgresUrl as string);
      await cleanup.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await cleanup.close();
    }
  });

  const refreshes = () =>
    upstream.logs.lines.filter(
      (line) => line.includes('"path":"/oauth/token"') && line.includes('"status":200'),
    ).length;
  const expireConnection = () =>
    (hubs[0] as TestGatehouse).database.db
      .updateTable('hub_connections')
      .set({ expires_at: Date.now() - 1000 })
      .execute();
  const callEcho = (hub: TestGatehouse, text: string) =>
    callToolRaw(`${hub.url}/hub/mcp`, pat, 'up__echo', { text });

  it('20 concurrent calls that find the token expiring cause one refresh at the upstream', async () => {
    // Warm: the tool list and each instance's link to the upstream.
    for (const hub of hubs) expect((await callEcho(hub, 'warm')).status).toBe(200);
    await expireConnection();
    const before = refreshes();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        callEcho(hubs[index % hubs.length] as TestGatehouse, `call ${index}`),
      ),
    );
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    for (const [index, body] of bodies.entries()) expect(body).toContain(`call ${index}`);
    expect(refreshes()).toBe(before + 1);
    const stored = await (hubs[0] as TestGatehouse).database.db
      .selectFrom('hub_connections')
      .selectAll()
      .execute();
    expect(stored).toHaveLength(1);
    expect(Number(stored[0]?.expires_at)).toBeGreaterThan(Date.now() + 60_000);
  }, 60_000);

  it('the sweep refreshes connections about to expire, ahead of any call', async () => {
    await expireConnection();
    const before = refreshes();
    expect(await (hubs[0] as TestGatehouse).hub?.vault.refreshExpiring()).toEqual({
      refreshed: 1,
      failed: 0,
    });
    expect(refreshes()).toBe(before + 1);
    expect(await (hubs[0] as TestGatehouse).hub?.vault.refreshExpiring()).toEqual({
      refreshed: 0,
      failed: 0,
    });
  });

  it('an upstream that refuses the refresh token (invalid_grant) breaks the connection and says so', async () => {
    // The upstream forgets every grant: its refresh tokens are dead.
    await upstream.database.db.deleteFrom('oauth_refresh_tokens').execute();
    await expireConnection();
    const answer = await callEcho(hubs[0] as TestGatehouse, 'after revocation');
    const body = (await answer.json()) as {
      result?: {
        isError?: boolean;
        content?: Array<{ text: string }>;
        structuredContent?: { httpStatus?: number };
      };
    };
    expect(body.result?.isError).toBe(true);
    expect(body.result?.structuredContent?.httpStatus).toBe(401);
    expect(body.result?.content?.[0]?.text).toMatch(/broken.*reconnect/);
    const stored = await (hubs[0] as TestGatehouse).database.db
      .selectFrom('hub_connections')
      .selectAll()
      .execute();
    expect(stored[0]).toMatchObject({ status: 'broken' });
    expect((hubs[0] as TestGatehouse).logs.text()).toContain('audit hub.connection_broken');
  }, 60_000);
});
