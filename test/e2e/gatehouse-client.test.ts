import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { authorizeThroughPages, createBrowser, devLogin, tokenRequest } from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';

/** $BROWSER for the CLI: signs in through the dev login and approves consent (test/support/page-browser.ts). */
const PAGE_BROWSER = `${process.execPath} --import tsx ${join(import.meta.dirname, '../support/page-browser.ts')}`;

async function run(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd: tmpdir() };
  const code = await main(
    ['client', ...args, '--no-browser'].filter((a) => a !== '--no-browser' || !env.BROWSER),
    io,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function startServer(handler: Parameters<typeof createServer>[1]) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readState(path: string) {
  return JSON.parse(readFileSync(path, 'utf8')) as {
    issuers: Record<
      string,
      {
        client?: { client_id: string };
        registration?: string;
        tokens: Record<string, Record<string, string>>;
      }
    >;
    servers: Record<string, { issuer: string; resource?: string }>;
  };
}

describe('gatehouse client against Gatehouse', () => {
  let gh: TestGatehouse;
  let mcpUrl: string;
  let dir: string;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    mcpUrl = `${gh.url}/mcp`;
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-client-'));
  });
  afterAll(async () => {
    await gh?.close();
  });

  it('registers with DCR, signs in through the pages, lists tools, calls echo, whoami, then logout revokes', async () => {
    const state = join(dir, 'dcr', 'client.json');
    const env = { BROWSER: PAGE_BROWSER };
    const tools = await run([mcpUrl, 'tools', '--state', state], env);
    expect(tools.err).toContain('resource=http%3A%2F%2F127.0.0.1'); // RFC 8707 on the authorization request
    expect(tools.code).toBe(0);
    expect(tools.out).toMatch(/^echo\(text: string\)/m);

    // tokens kept per issuer, in a file only the user can read, in a folder only the user can enter
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'dcr')).mode & 0o777).toBe(0o700);
    const saved = readState(state);
    expect(saved.servers[mcpUrl]).toEqual({ issuer: gh.url, resource: mcpUrl });
    const record = saved.issuers[gh.url];
    expect(record?.registration).toBe('dcr');
    expect(record?.client?.client_id).toMatch(/^dcr_/);
    const refreshToken = record?.tokens[mcpUrl]?.refresh_token ?? '';
    expect(refreshToken).not.toBe('');

    // the second command needs no browser: the stored token is used
    const call = await run(
      [mcpUrl, 'call', 'echo', '--args', '{"text":"through the gateway"}', '--state', state],
      {},
    );
    expect(call).toMatchObject({ code: 0, out: 'through the gateway' });

    const whoami = await run([mcpUrl, 'whoami', '--state', state], {});
    expect(whoami.code).toBe(0);
    expect(whoami.out).toMatch(new RegExp(`^issuer\\s+${gh.url}$`, 'm'));
    expect(whoami.out).toMatch(/^client_id\s+dcr_\S+ \(dcr\)$/m);
    expect(whoami.out).toMatch(/^scopes\s+.*mcp:tools/m);
    expect(whoami.out).toMatch(/^refresh\s+yes$/m);

    const logout = await run([mcpUrl, 'logout', '--state', state], {});
    expect(logout.out).toContain('refresh_token: revoked');
    expect(logout.out).toContain('access_token: revoked');
    expect(logout.code).toBe(0);
    expect(readState(state).issuers[gh.url]?.tokens[mcpUrl]).toBeUndefined();
    // Signed out, whoami says so and how to sign in — it never starts a sign-in itself.
    const after = await run([mcpUrl, 'whoami', '--state', state], { BROWSER: PAGE_BROWSER });
    expect(after.code).toBe(1);
    expect(after.err).toContain(`not signed in to ${mcpUrl}`);
    expect(after.err).not.toContain('Sign in to continue');
    // revoked at the server, not only forgotten here
    const reuse = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: record?.client?.client_id,
    });
    expect(reuse.body.error).toBe('invalid_grant');
  });

  it('refreshes an access token the server no longer accepts without asking the user again', async () => {
    const state = join(dir, 'refresh', 'client.json');
    expect((await run([mcpUrl, 'tools', '--state', state], { BROWSER: PAGE_BROWSER })).code).toBe(0);
    const before = readState(state).issuers[gh.url]?.tokens[mcpUrl];
    // a stale access token: the server answers 401, the client uses its refresh token
    const file = readState(state);
    const tokens = file.issuers[gh.url]?.tokens[mcpUrl];
    if (tokens) tokens.access_token = 'gha_stale';
    writeFileSync(state, JSON.stringify(file));
    const again = await run([mcpUrl, 'call', 'time', '--state', state], { BROWSER: 'false' });
    expect(again.err).not.toContain('Sign in');
    expect(again.code).toBe(0);
    const after = readState(state).issuers[gh.url]?.tokens[mcpUrl];
    expect(after?.access_token).not.toBe('gha_stale');
    expect(after?.refresh_token).not.toBe(before?.refresh_token); // rotated on use
  });

  it('whoami with a sign-in the server no longer takes says so, without starting a new one', async () => {
    const state = join(dir, 'whoami-revoked', 'client.json');
    expect((await run([mcpUrl, 'tools', '--state', state], { BROWSER: PAGE_BROWSER })).code).toBe(0);
    const file = readState(state);
    const tokens = file.issuers[gh.url]?.tokens[mcpUrl];
    if (tokens) {
      tokens.access_token = 'gha_revoked';
      tokens.refresh_token = 'ghr_revoked';
    }
    writeFileSync(state, JSON.stringify(file));
    const whoami = await run([mcpUrl, 'whoami', '--state', state], { BROWSER: PAGE_BROWSER });
    expect(whoami.code).toBe(1);
    expect(whoami.err).toContain('is no longer accepted (expired or revoked)');
    expect(whoami.err).not.toContain('Sign in to continue');
  });

  it("keeps the MCP SDK's own console notes out of the output (shown with GATEHOUSE_CLIENT_DEBUG=1)", async () => {
    const state = join(dir, 'quiet', 'client.json');
    expect((await run([mcpUrl, 'tools', '--state', state], { BROWSER: PAGE_BROWSER })).code).toBe(0);
    // A state file from before credentials were stamped with their issuer, with a stale access token: the
    // SDK warns on the console as it refreshes.
    const unstamp = () => {
      const file = readState(state);
      const record = file.issuers[gh.url] as { client?: Record<string, unknown> } | undefined;
      const tokens = file.issuers[gh.url]?.tokens[mcpUrl];
      if (tokens) {
        delete tokens.issuer;
        tokens.access_token = 'gha_stale';
      }
      if (record?.client) delete record.client.issuer;
      writeFileSync(state, JSON.stringify(file));
    };
    unstamp();
    const warned: unknown[][] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => warned.push(args);
    try {
      const quiet = await run([mcpUrl, 'call', 'time', '--state', state], {});
      expect(quiet.code).toBe(0);
      expect(quiet.err).toBe('');
      expect(warned).toEqual([]);
      unstamp();
      const debug = await run([mcpUrl, 'call', 'time', '--state', state], { GATEHOUSE_CLIENT_DEBUG: '1' });
      expect(debug.err).toContain("debug: [mcp-sdk] SEP-2352: stored OAuth credential has no 'issuer' stamp");
    } finally {
      console.warn = original;
    }
  });

  it('uses a client metadata document as its client_id (CIMD) instead of registering', async () => {
    const documents = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          client_id: `${documents.base}/cli.json`,
          client_name: 'Gatehouse CLI (CIMD test)',
          redirect_uris: ['http://127.0.0.1/callback'],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    try {
      const state = join(dir, 'cimd', 'client.json');
      const clientId = `${documents.base}/cli.json`;
      const result = await run(
        [
          mcpUrl,
          'call',
          'echo',
          '--args',
          '{"text":"cimd"}',
          '--client-metadata-url',
          clientId,
          '--state',
          state,
        ],
        { BROWSER: PAGE_BROWSER },
      );
      expect(result.err).toContain(`client_id=${encodeURIComponent(clientId)}`);
      expect(result).toMatchObject({ code: 0, out: 'cimd' });
      expect(readState(state).issuers[gh.url]).toMatchObject({
        registration: 'cimd',
        client: { client_id: clientId },
      });
      const whoami = await run([mcpUrl, 'whoami', '--client-metadata-url', clientId, '--state', state], {});
      expect(whoami.out).toContain(`${clientId} (cimd)`);
    } finally {
      await documents.close();
    }
  });

  it('takes the authorization response pasted by hand when the browser cannot reach the loopback (SSH)', async () => {
    const stdin = new PassThrough();
    const err: string[] = [];
    const out: string[] = [];
    let signedIn: Promise<void> | undefined;
    const io: CliIo = {
      out: (line) => out.push(line),
      err: (line) => {
        err.push(line);
        const url = /http:\/\/\S+\/oauth\/authorize\?\S+/.exec(line)?.[0];
        if (url && !signedIn)
          // the person: signs in elsewhere, copies the address the browser ends on, pastes it (after a typo)
          signedIn = authorizeThroughPages(createBrowser(gh.url), url).then((landed) => {
            stdin.write('not a url\n');
            stdin.write(`${landed.toString()}\n`);
          });
      },
      env: {},
      cwd: tmpdir(),
      stdin,
    };
    const state = join(dir, 'pasted', 'client.json');
    const code = await main(
      ['client', mcpUrl, 'call', 'echo', '--args', '{"text":"pasted"}', '--no-browser', '--state', state],
      io,
    );
    expect(err.join('\n')).toContain('paste the address');
    expect(err.join('\n')).toContain('That is not the address this sign-in is waiting for');
    expect({ code, out: out.join('\n') }).toEqual({ code: 0, out: 'pasted' });
  });

  it('says the user refused, with the OAuth error, when consent is denied', async () => {
    const state = join(dir, 'deny', 'client.json');
    const result = await run([mcpUrl, 'tools', '--state', state], {
      BROWSER: PAGE_BROWSER,
      PAGE_BROWSER_DECISION: 'deny',
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain('OAuth error access_denied');
    expect(result.err).toContain(
      `at: GET ${gh.url}/oauth/authorize (in the browser) → authorization response with an error`,
    );
    expect(readState(state).issuers[gh.url]?.tokens[mcpUrl]).toBeUndefined();
  });

  it('sends a personal access token from GATEHOUSE_CLIENT_TOKEN instead of running OAuth', async () => {
    const browser = createBrowser(gh.url);
    await devLogin(browser, 'pat-user@example.com');
    const pat =
      (
        await createPatThroughPage(browser, {
          name: 'cli',
          resource: '/mcp',
          scope: 'mcp:tools',
          expires_days: '7',
        })
      ).token ?? '';
    const state = join(dir, 'pat', 'client.json');
    const call = await run([mcpUrl, 'call', 'echo', '--args', '{"text":"by PAT"}', '--state', state], {
      GATEHOUSE_CLIENT_TOKEN: pat,
    });
    expect(call).toMatchObject({ code: 0, out: 'by PAT' });
    expect(call.err).not.toContain('Sign in');
    const wrong = await run([mcpUrl, 'tools', '--state', state], {
      GATEHOUSE_CLIENT_TOKEN: 'gth_not-a-token',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`at: POST ${mcpUrl} → HTTP 401`);
  });

  it('refuses a client metadata URL that is not https (outside loopback) before any request', async () => {
    const result = await run([mcpUrl, 'tools', '--client-metadata-url', 'http://example.com/cli.json'], {});
    expect(result).toMatchObject({ code: 2 });
    expect(result.err).toContain('must be an https URL');
  });
});

describe('gatehouse client against servers with broken metadata', () => {
  type Respond = (req: IncomingMessage, res: ServerResponse, base: string) => void;
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  /** 401 with a challenge for POST /mcp, then whatever the test serves for the metadata. */
  async function runAgainst(respond: Respond) {
    const server = await startServer((req, res) => {
      if (req.method === 'POST' && req.url === '/mcp')
        res
          .writeHead(401, {
            'www-authenticate': `Bearer resource_metadata="${server.base}/.well-known/oauth-protected-resource/mcp"`,
            'content-type': 'application/json',
          })
          .end('{"error":"invalid_token"}');
      else respond(req, res, server.base);
    });
    try {
      const state = join(tmpdir(), `gh-client-${randomUUID()}.json`);
      return { base: server.base, ...(await run([`${server.base}/mcp`, 'tools', '--state', state], {})) };
    } finally {
      await server.close();
    }
  }
  const prm = (base: string, authorizationServer: string) => ({
    resource: `${base}/mcp`,
    authorization_servers: [authorizationServer],
  });
  const asMetadata = (issuer: string, base: string, extra: Record<string, unknown> = {}) => ({
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  });

  it('names the metadata URL when protected-resource metadata is not JSON', async () => {
    const result = await runAgainst((req, res) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp')
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not metadata</html>');
      else res.writeHead(404).end();
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `broken metadata: GET ${result.base}/.well-known/oauth-protected-resource/mcp → HTTP 200 — not JSON`,
    );
  });

  it('refuses authorization-server metadata whose issuer is not the one it was fetched for (RFC 8414 §3.3)', async () => {
    const result = await runAgainst((req, res, base) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') json(res, 200, prm(base, `${base}/as`));
      else if (req.url?.startsWith('/.well-known/oauth-authorization-server'))
        json(res, 200, asMetadata('https://attacker.example', `${base}/as`));
      else res.writeHead(404).end();
    });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/issuer/i);
    expect(result.err).toContain('https://attacker.example');
    expect(result.err).toContain(`${result.base}/.well-known/oauth-authorization-server/as`);
    expect(result.err).not.toContain('Sign in'); // never sent the user to a poisoned endpoint
  });

  it('refuses to proceed when the authorization server does not advertise PKCE S256 (no downgrade)', async () => {
    for (const methods of [undefined, ['plain']]) {
      const result = await runAgainst((req, res, base) => {
        if (req.url === '/.well-known/oauth-protected-resource/mcp') json(res, 200, prm(base, base));
        else if (req.url === '/.well-known/oauth-authorization-server')
          json(res, 200, {
            ...asMetadata(base, base, { registration_endpoint: `${base}/register` }),
            code_challenge_methods_supported: methods,
          });
        else if (req.url === '/register')
          json(res, 201, { client_id: 'c1', redirect_uris: ['http://127.0.0.1/callback'] });
        else res.writeHead(404).end();
      });
      expect(result.code).toBe(1);
      // absent: Gatehouse's check (the SDK would go on); without S256: the SDK's own refusal
      expect(result.err).toMatch(
        methods ? /does not support code challenge method S256/ : /does not advertise PKCE S256/,
      );
      expect(result.err).not.toContain('Sign in'); // the user is never sent to the authorization endpoint
    }
  });

  it('refuses to send the user to an authorization endpoint that is not https (or loopback http)', async () => {
    for (const endpoint of ['http://evil.example/authorize', 'file:///etc/passwd']) {
      const result = await runAgainst((req, res, base) => {
        if (req.url === '/.well-known/oauth-protected-resource/mcp') json(res, 200, prm(base, base));
        else if (req.url === '/.well-known/oauth-authorization-server')
          json(res, 200, {
            ...asMetadata(base, base, { registration_endpoint: `${base}/register` }),
            authorization_endpoint: endpoint,
          });
        else if (req.url === '/register')
          json(res, 201, { client_id: 'c1', redirect_uris: ['http://127.0.0.1/callback'] });
        else res.writeHead(404).end();
      });
      expect(result.code).toBe(1);
      expect(result.err).not.toContain('Sign in');
      expect(result.err).not.toContain(endpoint.replace('/authorize', '/authorize?'));
    }
  });

  it('reports the OAuth error and description of a refused registration', async () => {
    const result = await runAgainst((req, res, base) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') json(res, 200, prm(base, base));
      else if (req.url === '/.well-known/oauth-authorization-server')
        json(res, 200, asMetadata(base, base, { registration_endpoint: `${base}/register` }));
      else if (req.url === '/register')
        json(res, 400, {
          error: 'invalid_client_metadata',
          error_description: 'public clients are not allowed',
        });
      else res.writeHead(404).end();
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `at: POST ${result.base}/register → HTTP 400 — invalid_client_metadata: public clients are not allowed`,
    );
  });
});

describe('gatehouse client asked for more access', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({
      resources: [{ ...demoResource(), toolScopes: { 'notes.add': ['mcp:write'] } }],
    });
  });
  afterAll(async () => {
    await gh?.close();
  });

  it('says which scope is missing and why before it asks the user to approve it', async () => {
    const state = join(await mkdtemp(join(tmpdir(), 'gatehouse-stepup-')), 'client.json');
    const mcpUrl = `${gh.url}/mcp`;
    expect((await run([mcpUrl, 'tools', '--state', state], { BROWSER: PAGE_BROWSER })).code).toBe(0);
    const added = await run([mcpUrl, 'call', 'notes.add', '--args', '{"text":"hi"}', '--state', state], {
      BROWSER: PAGE_BROWSER,
    });
    expect(added.err).toMatch(
      /More access is needed: the tool notes\.add needs: mcp:write\. Asking for [^\n]*mcp:write/,
    );
    expect(added.code).toBe(0);
    expect(added.out).toContain('added note');
  });
});
