import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { callToolRaw, listTools } from '../support/mcp-call';
import { accessTokenThroughPages, createBrowser, devLogin } from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';
import { connectWithBearer, startRecordingUpstream } from '../support/upstream';

const TEAM_KEY = 'Bearer team-key-0123456789abcdef';
const SERVICE_TOKEN = 'svc-0123456789abcdef0123456789abcdef';
const REDIRECT = 'http://127.0.0.1:9/callback';
const GATEHOUSE_BIN = join(import.meta.dirname, '../../bin/gatehouse.js');

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: unknown;
};
const text = (result: unknown) => (result as ToolResult).content[0]?.text ?? '';

describe('protected endpoints proxy to their upstream', () => {
  let gh: TestGatehouse;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let byokUpstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  const pidFile = join(mkdtempSync(join(tmpdir(), 'gh-stdio-')), 'pid');

  beforeAll(async () => {
    upstream = await startRecordingUpstream({ acceptCredential: (auth) => auth === TEAM_KEY });
    byokUpstream = await startRecordingUpstream({
      acceptCredential: (auth) => /^Bearer demo_/.test(auth ?? ''),
    });
    const scopes = [
      { name: 'mcp:tools', description: 'Use the tools' },
      { name: 'notes:write', description: 'Add notes', default: false },
    ];
    const shared = { mode: 'shared', value: TEAM_KEY } as const;
    gh = await startTestGatehouse({
      clients: [{ clientId: 'e2e', clientName: 'E2E', redirectUris: [REDIRECT] }],
      serviceToken: { token: SERVICE_TOKEN, name: 'ci-bot' },
      resources: [
        {
          path: '/mcp',
          scopes,
          upstream: { url: upstream.url },
          credential: shared,
          requiredScopes: ['mcp:tools'],
          toolScopes: { 'notes.add': ['notes:write'] },
        },
        { path: '/svc', scopes, auth: ['service'], upstream: { url: upstream.url }, credential: shared },
        {
          path: '/byok',
          auth: ['byok'],
          upstream: { url: byokUpstream.url },
          credential: { mode: 'passthrough' },
        },
        {
          path: '/stdio',
          scopes,
          // The pid file lets the test kill the child and watch Gatehouse restart it.
          upstream: {
            command: 'sh',
            args: ['-c', `echo $$ > ${pidFile}; exec "${process.execPath}" "${GATEHOUSE_BIN}" demo --stdio`],
          },
        },
        { path: '/down', scopes, upstream: { url: `http://127.0.0.1:${await freePort()}/mcp` } },
      ],
    });
  });
  afterAll(async () => {
    await gh?.close();
    await upstream?.close();
    await byokUpstream?.close();
  });

  const accessToken = (scope: string, path = '/mcp') =>
    accessTokenThroughPages(
      gh.url,
      { clientId: 'e2e', redirectUri: REDIRECT },
      { scope, resource: `${gh.url}${path}` },
    );

  it('OAuth: the upstream gets the shared team key and never the Gatehouse token', async () => {
    const token = await accessToken('mcp:tools');
    const before = upstream.seen.length;
    const client = await connectWithBearer(`${gh.url}/mcp`, token);
    const listed = (await client.listTools()).tools;
    const names = listed.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'time', 'notes.list', 'forbidden']));
    // notes.add needs notes:write, which this grant lacks: listed, saying so (a call asks for the scope)
    expect(listed.find((tool) => tool.name === 'notes.add')?.description).toContain(
      'Needs the scope notes:write, which your access does not include yet',
    );
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'hello' } }))).toBe('hello');
    await client.close();
    const seen = upstream.seen.slice(before);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const headers of seen) {
      expect(headers.authorization).toBe(TEAM_KEY);
      expect(JSON.stringify(headers)).not.toContain(token);
    }
  });

  it('per-tool scopes: a 403 insufficient_scope challenge, then the tool once the grant has the scope', async () => {
    const narrow = await accessToken('mcp:tools');
    const refused = await callToolRaw(`${gh.url}/mcp`, narrow, 'notes.add', { text: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${gh.url}/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="this tool needs: notes:write", scope="mcp:tools notes:write"`,
    );
    const wide = await connectWithBearer(`${gh.url}/mcp`, await accessToken('mcp:tools notes:write'));
    expect((await wide.listTools()).tools.map((tool) => tool.name)).toContain('notes.add');
    expect(text(await wide.callTool({ name: 'notes.add', arguments: { text: 'buy milk' } }))).toMatch(
      /^added note/,
    );
    expect(text(await wide.callTool({ name: 'notes.list', arguments: {} }))).toContain('buy milk');
    await wide.close();
    // a token without the endpoint's required scope is refused at the door
    const none = await accessToken('notes:write');
    expect((await listTools(gh.url, none)).status).toBe(403);
  });

  it('PAT and service token: the same tools through the same shared credential', async () => {
    const browser = createBrowser(gh.url);
    await devLogin(browser, 'pat-user@example.com');
    const { token } = await createPatThroughPage(browser, {
      name: 'cli',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    });
    const before = upstream.seen.length;
    const viaPat = await connectWithBearer(`${gh.url}/mcp`, token ?? '');
    expect(text(await viaPat.callTool({ name: 'echo', arguments: { text: 'from a PAT' } }))).toBe(
      'from a PAT',
    );
    await viaPat.close();
    const viaService = await connectWithBearer(`${gh.url}/svc`, SERVICE_TOKEN);
    expect(text(await viaService.callTool({ name: 'echo', arguments: { text: 'from CI' } }))).toBe('from CI');
    await viaService.close();
    for (const headers of upstream.seen.slice(before)) {
      expect(headers.authorization).toBe(TEAM_KEY);
      expect(JSON.stringify(headers)).not.toContain(token ?? 'none');
      expect(JSON.stringify(headers)).not.toContain(SERVICE_TOKEN);
    }
    const used = await gh.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'service.used')
      .execute();
    expect(used.length).toBeGreaterThanOrEqual(2);
  });

  it('BYOK: the upstream receives exactly the caller key, which is neither stored nor logged', async () => {
    const key = 'demo_alice-key-7f3a9c';
    const client = await connectWithBearer(`${gh.url}/byok`, key);
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'mine' } }))).toBe('mine');
    await client.close();
    expect(byokUpstream.seen.length).toBeGreaterThan(0);
    for (const headers of byokUpstream.seen) expect(headers.authorization).toBe(`Bearer ${key}`);
    expect(gh.logs.text()).not.toContain(key);
    for (const table of ['ephemeral_values', 'ephemeral_counters', 'audit_events'] as const) {
      const rows = await gh.database.db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(key);
    }

    const missing = await fetch(`${gh.url}/byok`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="MCP server"');
    // a key the upstream refuses: a readable error carrying the upstream's status, not a bare 401/502
    const wrong = await listTools(gh.url, 'not-a-demo-key', '/byok');
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32603,
        message: 'the upstream MCP server answered HTTP 401: the demo API does not know this key',
        data: { httpStatus: 401 },
      },
    });
    // no metadata for a byok endpoint: it has no authorization server
    expect((await fetch(`${gh.url}/.well-known/oauth-protected-resource/byok`)).status).toBe(404);
  });

  it('BYOK refuses a Gatehouse access token, PAT-like token or the service token, and never forwards it', async () => {
    const seenBefore = byokUpstream.seen.length;
    for (const credential of [await accessToken('mcp:tools'), 'gth_looks-like-a-pat', SERVICE_TOKEN]) {
      const refused = await listTools(gh.url, credential, '/byok');
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_token');
    }
    expect(byokUpstream.seen.length).toBe(seenBefore);
  });

  it('an upstream refusing a call (HTTP 403) is a tool error with httpStatus 403', async () => {
    const client = await connectWithBearer(`${gh.url}/mcp`, await accessToken('mcp:tools'));
    const result = (await client.callTool({ name: 'forbidden', arguments: {} })) as ToolResult;
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      httpStatus: 403,
      error: 'the upstream MCP server answered HTTP 403: this key may not use the forbidden tool',
    });
    await client.close();
  });

  it('upstream down: a readable tool error, and Gatehouse stays up', async () => {
    const token = await accessToken('mcp:tools');
    const down = await callToolRaw(`${gh.url}/down`, token, 'echo', { text: 'x' });
    // the token is for /mcp: /down refuses it (audience)
    expect(down.status).toBe(401);
    const downToken = await accessToken('mcp:tools', '/down');
    const answer = await callToolRaw(`${gh.url}/down`, downToken, 'echo', { text: 'x' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      jsonrpc: '2.0',
      id: 3,
      result: {
        isError: true,
        content: [{ type: 'text', text: 'the upstream MCP server is unreachable (ECONNREFUSED)' }],
        structuredContent: {
          httpStatus: 502,
          error: 'the upstream MCP server is unreachable (ECONNREFUSED)',
        },
      },
    });
    expect((await fetch(`${gh.url}/readyz`)).status).toBe(200);
  });

  it('stdio upstream: tools through a child process, restarted when it dies', async () => {
    const token = await accessToken('mcp:tools', '/stdio');
    const client = await connectWithBearer(`${gh.url}/stdio`, token);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('notes.list');
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } }))).toBe(
      'over stdio',
    );
    const firstPid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(firstPid, 'SIGKILL');
    // Gatehouse restarts the child; a call soon succeeds again, served by a new process
    let result: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = await client.callTool({ name: 'echo', arguments: { text: 'again' } }).catch(() => undefined);
      if (result && !(result as ToolResult).isError) break;
    }
    expect(text(result)).toBe('again');
    expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(firstPid);
    await client.close();
  });
});

describe('BYOK rate limits', () => {
  it('limits each key (by hash) separately: 429 with Retry-After, another key still passes', async () => {
    const upstream = await startRecordingUpstream();
    const gh = await startTestGatehouse({
      http: { rateLimit: { maxRequestsPerIp: 100_000, maxRequestsPerUser: 3 } },
      resources: [
        {
          path: '/byok',
          auth: ['byok'],
          upstream: { url: upstream.url },
          credential: { mode: 'passthrough' },
        },
      ],
    });
    try {
      for (let i = 0; i < 3; i++) expect((await listTools(gh.url, 'demo_key-a', '/byok')).status).toBe(200);
      const limited = await listTools(gh.url, 'demo_key-a', '/byok');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.json()) as object).toMatchObject({ error: 'rate_limited' });
      expect((await listTools(gh.url, 'demo_key-b', '/byok')).status).toBe(200);
      // the limited call never reached the upstream
      expect(upstream.seen).toHaveLength(4);
    } finally {
      await gh.close();
      await upstream.close();
    }
  });
});
