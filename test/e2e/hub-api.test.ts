import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { devHub } from '../../src/cli/serve';
import { createDemoUpstream } from '../../src/demo/upstream';
import { listen } from '../../src/http';
import { demoResource, freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { connectOverHttp, createHubPat, json } from '../support/hub';
import { callToolRaw, listTools, mcpPostHeaders } from '../support/mcp-call';
import { authorizeThroughPages, type Browser, createBrowser, devLogin } from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';

const ADMIN = 'admin@example.com';
/** $BROWSER for the CLI: signs in through the dev login and approves consent (test/support/page-browser.ts). */
const PAGE_BROWSER = `${process.execPath} --import tsx ${join(import.meta.dirname, '../support/page-browser.ts')}`;
const USER = 'user@example.com';

describe('the hub catalog API and the connect flow over HTTP', () => {
  let alpha: TestGatehouse;
  let hub: TestGatehouse;
  let admin: Browser;
  let user: Browser;
  let other: Browser;
  let adminPat: string;

  beforeAll(async () => {
    alpha = await startTestGatehouse({ resources: [demoResource()] }, { host: 'localhost' });
    hub = await startTestGatehouse({
      access: { allowAnyone: true, admins: { emails: [ADMIN] } },
      hub: {
        enabled: true,
        catalog: [
          {
            slug: 'alpha',
            name: 'Alpha',
            url: `${alpha.config.issuer}/mcp`,
            auth: { type: 'oauth', scopes: ['mcp:tools'] },
          },
        ],
      },
    });
    [admin, user, other] = [createBrowser(hub.url), createBrowser(hub.url), createBrowser(hub.url)];
    await devLogin(admin, ADMIN);
    await devLogin(user, USER);
    await devLogin(other, 'other@example.com');
    const created = await createPatThroughPage(admin, {
      name: 'catalog script',
      resource: '/api/admin',
      scope: 'admin',
      expires_days: '7',
    });
    adminPat = created.token as string;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([hub?.close(), alpha?.close()]);
  });

  it('admits admins only: a session (with CSRF on changes) or an admin-API token; others are refused', async () => {
    expect((await json(undefined, hub.url, 'GET', '/api/admin/catalog')).status).toBe(401);
    expect((await json(user, hub.url, 'GET', '/api/admin/catalog')).status).toBe(403);
    const listed = await json(admin, hub.url, 'GET', '/api/admin/catalog');
    expect(listed.status).toBe(200);
    const entries = listed.body.entries as Array<{
      slug: string;
      source: string;
      health: { connectedUsers: number };
    }>;
    expect(entries.find((entry) => entry.slug === 'alpha')).toMatchObject({
      source: 'config',
      health: { connectedUsers: 0 },
    });

    const entry = { slug: 'csrf-test', name: 'X', url: 'https://x.example/mcp' };
    expect((await json(admin, hub.url, 'POST', '/api/admin/catalog', entry)).status).toBe(403); // no CSRF token
    const withCsrf = await json(admin, hub.url, 'POST', '/api/admin/catalog', entry, {
      'x-csrf-token': String(listed.body.csrf),
    });
    expect(withCsrf.status).toBe(201);

    // A user cannot make an admin-API token, and a token for another endpoint does not open the API.
    const refused = await createPatThroughPage(user, {
      name: 'x',
      resource: '/api/admin',
      scope: 'admin',
      expires_days: '7',
    });
    expect(refused.status).toBe(400);
    expect(refused.token).toBeUndefined();
    const mcpToken = await createPatThroughPage(admin, {
      name: 'mcp',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    });
    expect(
      (
        await json(undefined, hub.url, 'GET', '/api/admin/catalog', undefined, {
          authorization: `Bearer ${mcpToken.token}`,
        })
      ).status,
    ).toBe(401);
  });

  it('creates, validates, updates and soft-deletes entries with a token, every change audited', async () => {
    const bearer = { authorization: `Bearer ${adminPat}` };
    const create = (body: unknown) => json(undefined, hub.url, 'POST', '/api/admin/catalog', body, bearer);
    expect((await create({ slug: 'gamma', name: 'Gamma', url: 'https://gamma.example/mcp' })).status).toBe(
      201,
    );
    expect(await create({ slug: 'gamma', name: 'Again', url: 'https://gamma.example/mcp' })).toMatchObject({
      status: 409,
      body: { error: 'conflict' },
    });
    expect(await create({ slug: 'bad', name: 'Bad', url: 'not a url' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_entry' },
    });
    expect(await create({ slug: 'plain', name: 'Plain', url: 'http://plain.example/mcp' })).toMatchObject({
      status: 400,
    });
    expect(await create({ slug: 'Bad Slug', name: 'X', url: 'https://x.example/mcp' })).toMatchObject({
      status: 400,
    });
    expect(
      await create({ slug: 'pfx', name: 'X', url: 'https://x.example/mcp', toolPrefix: 'gamma' }),
    ).toMatchObject({ status: 409 });

    const updated = await json(
      undefined,
      hub.url,
      'PUT',
      '/api/admin/catalog/alpha',
      {
        name: 'Alpha (edited)',
        url: `${alpha.config.issuer}/mcp`,
        auth: { type: 'oauth', scopes: ['mcp:tools'] },
      },
      bearer,
    );
    expect(updated).toMatchObject({ status: 200, body: { name: 'Alpha (edited)', source: 'edited' } });

    const userSees = async () =>
      (
        (await json(user, hub.url, 'GET', '/api/hub/connections')).body.entries as Array<{ slug: string }>
      ).map((e) => e.slug);
    expect(await userSees()).toContain('gamma');
    expect(
      (await json(undefined, hub.url, 'DELETE', '/api/admin/catalog/gamma', undefined, bearer)).status,
    ).toBe(204);
    expect(await userSees()).not.toContain('gamma');
    expect(
      (await json(undefined, hub.url, 'DELETE', '/api/admin/catalog/gamma', undefined, bearer)).status,
    ).toBe(404);
    // The slug of a deleted entry stays taken.
    expect((await create({ slug: 'gamma', name: 'Gamma 2', url: 'https://gamma.example/mcp' })).status).toBe(
      409,
    );

    const logs = hub.logs.text();
    for (const event of ['hub.catalog.created', 'hub.catalog.updated', 'hub.catalog.deleted'])
      expect(logs).toContain(`audit ${event}`);
  });

  it('refuses a URL that is malformed (400), not https (400), or outside the catalog (403); an unreachable upstream is a 502 with the reason', async () => {
    const { body } = await json(user, hub.url, 'GET', '/api/hub/connections');
    const csrf = { 'x-csrf-token': String(body.csrf) };
    const connect = (input: unknown) => json(user, hub.url, 'POST', '/api/hub/connections', input, csrf);
    expect(await connect({ url: 'not a url' })).toMatchObject({ status: 400 });
    expect(await connect({ url: 'http://evil.example/mcp' })).toMatchObject({ status: 400 });
    expect(await connect({ url: 'https://evil.example/mcp' })).toMatchObject({
      status: 403,
      body: { error: 'not_in_catalog' },
    });
    expect((await json(user, hub.url, 'POST', '/api/hub/connections', { slug: 'alpha' })).status).toBe(403); // no CSRF

    const closed = await freePort();
    await json(
      undefined,
      hub.url,
      'POST',
      '/api/admin/catalog',
      { slug: 'down', name: 'Down', url: `http://127.0.0.1:${closed}/mcp`, auth: { type: 'oauth' } },
      { authorization: `Bearer ${adminPat}` },
    );
    const down = await connect({ url: `http://127.0.0.1:${closed}/mcp` });
    expect(down).toMatchObject({ status: 502, body: { error: 'upstream_discovery_failed' } });
    expect(String(down.body.error_description)).toContain('could not be reached');

    // The MCP server answers, but the authorization server its metadata names is down.
    const asPort = await freePort();
    const mcp = createServer((req, res) => {
      const base = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}`;
      if (req.url?.startsWith('/.well-known/oauth-protected-resource'))
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            resource: `${base}/mcp`,
            authorization_servers: [`http://127.0.0.1:${asPort}`],
          }),
        );
      res
        .writeHead(401, {
          'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
        })
        .end();
    });
    await new Promise<void>((resolve) => mcp.listen(0, '127.0.0.1', resolve));
    const asDownUrl = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`;
    await json(
      undefined,
      hub.url,
      'POST',
      '/api/admin/catalog',
      { slug: 'as-down', name: 'AS down', url: asDownUrl, auth: { type: 'oauth' } },
      { authorization: `Bearer ${adminPat}` },
    );
    const asDown = await connect({ url: asDownUrl });
    mcp.close();
    expect(asDown).toMatchObject({ status: 502, body: { error: 'upstream_discovery_failed' } });
    expect(String(asDown.body.error_description)).toMatch(
      /authorization server metadata|ECONNREFUSED|fetch failed/,
    );

    // The browser's page says the same in words.
    const page = await user.get(`/hub/connect?url=${encodeURIComponent('https://evil.example/mcp')}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('not an approved server');
  });

  it('binds the callback to the browser and user that started it, once; a denial keeps the old connection', async () => {
    const start = async () => {
      const { body } = await json(user, hub.url, 'GET', '/api/hub/connections');
      const started = await json(
        user,
        hub.url,
        'POST',
        '/api/hub/connections',
        { slug: 'alpha' },
        { 'x-csrf-token': String(body.csrf) },
      );
      expect(started.status).toBe(201);
      return String(started.body.authorization_url);
    };
    const atAlpha = createBrowser(alpha.url);
    const callback = await authorizeThroughPages(atAlpha, await start(), { email: USER });
    expect(callback.pathname).toBe('/hub/callback');
    const path = `${callback.pathname}${callback.search}`;

    // Another signed-in user (or a browser with no session) cannot complete it — and that uses it up.
    expect((await other.get(path)).status).toBe(403);
    expect((await user.get(path)).status).toBe(400);

    const second = await authorizeThroughPages(atAlpha, await start(), { email: USER });
    const done = await user.get(`${second.pathname}${second.search}`);
    expect(done.status).toBe(303);
    expect((await user.get(`${second.pathname}${second.search}`)).status).toBe(400); // replay
    expect((await user.get('/hub/callback?state=forged&code=x')).status).toBe(400);

    // Changing scopes and then refusing at the upstream: a clear page, and the earlier connection stays.
    const denied = await authorizeThroughPages(atAlpha, await start(), { email: USER, decision: 'deny' });
    const page = await user.get(`${denied.pathname}${denied.search}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('did not grant access');
    const listed = await json(user, hub.url, 'GET', '/api/hub/connections');
    expect(
      (listed.body.entries as Array<{ slug: string; status: string }>).find((e) => e.slug === 'alpha')
        ?.status,
    ).toBe('active');
  });
});

describe('the hub of `gatehouse dev`: its own /mcp as an OAuth upstream', () => {
  let gatehouse: TestGatehouse;
  afterAll(async () => {
    await gatehouse?.close();
  });

  it('connects through its own authorization server and serves the demo tools at /hub/mcp', async () => {
    const port = await freePort();
    gatehouse = await startTestGatehouse(
      {
        resources: [{ ...demoResource(), credential: { mode: 'none' } }],
        hub: devHub(`http://127.0.0.1:${port}`),
      },
      { port },
    );
    const browser = createBrowser(gatehouse.url);
    await devLogin(browser, USER);
    expect(await connectOverHttp(browser, gatehouse.url, 'demo', gatehouse.url, USER)).toBe(303);
    const pat = await createHubPat(browser, 'h');
    const answer = await callToolRaw(`${gatehouse.url}/hub/mcp`, pat as string, 'demo__echo', {
      text: 'from the dev hub',
    });
    expect(await answer.text()).toContain('from the dev hub');
    // `gatehouse client` reaches the same tools through its own sign-in (DCR, PKCE, resource /hub/mcp).
    const out: string[] = [];
    const err: string[] = [];
    const state = join(await mkdtemp(join(tmpdir(), 'hub-client-')), 'c.json');
    const code = await main(['client', `${gatehouse.url}/hub/mcp`, 'tools', '--state', state], {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: { BROWSER: PAGE_BROWSER, PAGE_BROWSER_EMAIL: USER },
      cwd: tmpdir(),
    });
    expect(code, err.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/^demo__echo\(text: string\)/m);
  });
});

describe('hub entries with an admin-set credential', () => {
  let keyed: Awaited<ReturnType<typeof listen>>;
  let demo: ReturnType<typeof createDemoUpstream>;
  let gatehouse: TestGatehouse;
  let pat: string;
  beforeAll(async () => {
    // The upstream takes one team key, like a real API.
    demo = createDemoUpstream({ acceptCredential: (authorization) => authorization === 'Bearer team-key' });
    const app = new Hono();
    app.all('/mcp', (c) => demo.fetch(c.req.raw));
    keyed = await listen(app, '127.0.0.1', 0);
    gatehouse = await startTestGatehouse(
      {
        access: { allowAnyone: true, admins: { emails: ['dev-admin@example.com'] } },
        hub: {
          enabled: true,
          catalog: [
            {
              slug: 'team',
              name: 'Team',
              url: `${keyed.url}/mcp`,
              auth: { type: 'shared', valueEnv: 'TEAM_KEY' },
            },
            {
              slug: 'unset',
              name: 'Unset',
              url: `${keyed.url}/mcp?unset`,
              auth: { type: 'shared', valueEnv: 'NOT_SET' },
            },
            // A local server run by Gatehouse as a child process (config only).
            {
              slug: 'local',
              name: 'Local',
              stdio: {
                command: process.execPath,
                args: [join(import.meta.dirname, '../../bin/gatehouse.js'), 'demo', '--stdio'],
              },
            },
            // Twenty-five more views of the same server (five tools each): more tools than one page holds.
            ...Array.from({ length: 25 }, (_, index) => ({
              slug: `page${index}`,
              name: `Page ${index}`,
              url: `${keyed.url}/mcp?page=${index}`,
              auth: { type: 'shared' as const, valueEnv: 'TEAM_KEY' },
            })),
          ],
        },
      },
      { env: { TEAM_KEY: 'Bearer team-key' } },
    );
    const browser = createBrowser(gatehouse.url);
    await devLogin(browser, USER);
    pat = await createHubPat(browser, 'k');
  });
  afterAll(async () => {
    await gatehouse?.close();
    await keyed?.close();
    await demo?.close();
  });

  it('needs no connection: the key from the environment reaches the upstream; an unset one is named', async () => {
    const answer = await callToolRaw(`${gatehouse.url}/hub/mcp`, pat, 'team__echo', {
      text: 'with the team key',
    });
    expect(await answer.text()).toContain('with the team key');
    // The entry whose variable is unset is left out of the list, and says why.
    const text = await (await listTools(gatehouse.url, pat, '/hub/mcp')).text();
    // JSON, or one SSE event carrying it
    const listed = JSON.parse(text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}'));
    expect(JSON.stringify(listed.result._meta)).toContain('an admin must set NOT_SET');
    expect(listed.result.tools.some((tool: { name: string }) => tool.name.startsWith('unset__'))).toBe(false);
    expect(gatehouse.logs.text()).not.toContain('team-key');
  });

  it('serves a stdio server from the config; the API cannot add one', async () => {
    const answer = await callToolRaw(`${gatehouse.url}/hub/mcp`, pat, 'local__echo', {
      text: 'from a child process',
    });
    expect(await answer.text()).toContain('from a child process');
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'dev-admin@example.com');
    const { body } = await json(admin, gatehouse.url, 'GET', '/api/admin/catalog');
    const refused = await json(
      admin,
      gatehouse.url,
      'POST',
      '/api/admin/catalog',
      { slug: 'shell', name: 'Shell', stdio: { command: 'sh' } },
      { 'x-csrf-token': String(body.csrf) },
    );
    expect(refused).toMatchObject({ status: 400 });
    expect(String(refused.body.error_description)).toContain('configuration file only');
  });

  it('pages the aggregated list with an opaque cursor, on both wires; a forged cursor is refused', async () => {
    const post = async (params: Record<string, unknown>) => {
      const answer = await fetch(`${gatehouse.url}/hub/mcp`, {
        method: 'POST',
        headers: { ...mcpPostHeaders(pat) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params }),
      });
      return (await answer.json()) as {
        result?: { tools: Array<{ name: string }>; nextCursor?: string };
        error?: { code: number };
      };
    };
    const first = await post({});
    expect(first.result?.tools).toHaveLength(100);
    const second = await post({ cursor: first.result?.nextCursor });
    expect(second.result?.nextCursor).toBeUndefined();
    const all = [...(first.result?.tools ?? []), ...(second.result?.tools ?? [])].map((tool) => tool.name);
    const perUpstream = all.filter((name) => name.startsWith('team__')).length;
    expect(perUpstream).toBe(5);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(perUpstream * 27); // team, the stdio server and 25 pages, each listed once
    expect((await post({ cursor: 'forged' })).error?.code).toBe(-32602);

    // The SDK client follows the cursor on both wires and sees the same tools.
    for (const mode of ['legacy', 'auto'] as const) {
      const client = new Client({ name: 'pages', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gatehouse.url}/hub/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${pat}` } },
        }),
      );
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual([...all].sort());
      await expect(client.listTools({ cursor: 'forged' })).rejects.toThrow(/cursor/);
      await client.close();
    }
  });
});
