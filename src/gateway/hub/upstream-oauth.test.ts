import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../../crypto';
import { guardedFetch } from '../../lib/net/guarded-fetch';
import type { OutboundDeps, OutboundRequest } from '../../lib/net/safe-fetch';
import { createSqlUpstreamClientStore, openDatabase } from '../../store';
import { createUpstreamOAuth } from './upstream-oauth';

type Handler = (
  url: URL,
  request: OutboundRequest,
) => { status: number; headers?: Record<string, string>; body?: unknown };

/**
 * An outbound world in the process: names resolve per `dns`, requests are answered by `routes` (by
 * origin + path); a dial to anything the guard should have refused fails the test. No packet leaves.
 */
function world(dns: Record<string, string[]>, routes: Record<string, Handler>) {
  const dialled: string[] = [];
  const requests: Array<{ url: string; request: OutboundRequest }> = [];
  const answer = (url: URL, address: string, request: OutboundRequest) => {
    dialled.push(address);
    requests.push({ url: url.toString(), request });
    const handler = routes[`${url.origin}${url.pathname}`];
    const result = handler ? handler(url, request) : { status: 404, body: { error: 'not_found' } };
    const body =
      result.body === undefined
        ? ''
        : typeof result.body === 'string'
          ? result.body
          : JSON.stringify(result.body);
    return Promise.resolve({
      status: result.status,
      headers: { 'content-type': 'application/json', ...(result.headers ?? {}) },
      body: (async function* () {
        yield new TextEncoder().encode(body);
      })(),
    });
  };
  const deps: OutboundDeps = {
    resolve: async (host) => {
      const found = dns[host];
      if (!found) throw new Error('ENOTFOUND');
      return found;
    },
    get: (url, address) => answer(url, address, { method: 'GET', headers: {} }),
    send: (url, address, request) => answer(url, address, request),
  };
  return { deps, dialled, requests };
}

const AS = 'https://auth.example';
const MCP = 'https://mcp.example/mcp';
const asMetadata = (extra: Record<string, unknown> = {}) => ({
  issuer: AS,
  authorization_endpoint: `${AS}/authorize`,
  token_endpoint: `${AS}/token`,
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['S256'],
  ...extra,
});

async function oauthFor(deps: OutboundDeps, env: Record<string, string> = {}) {
  const database = openDatabase('sqlite::memory:');
  await database.migrate();
  const keyRing = await createKeyRing([{ id: 'k', key: new Uint8Array(32).fill(3) }]);
  return createUpstreamOAuth({
    fetch: guardedFetch(deps, { maxBytes: 65_536, timeoutMs: 2_000 }),
    clients: createSqlUpstreamClientStore(database),
    keyRing,
    clientMetadataUrl: 'https://gatehouse.example/.well-known/oauth-client/gatehouse.json',
    redirectUri: 'https://gatehouse.example/hub/callback',
    clientName: 'Gatehouse',
    env,
    now: Date.now,
  });
}

const PUBLIC = { 'mcp.example': ['93.184.216.34'], 'auth.example': ['93.184.216.35'] };

describe('discovery of an upstream MCP server’s authorization server', () => {
  it('follows the 401 challenge’s resource_metadata first, then RFC 8414 metadata', async () => {
    const { deps } = world(PUBLIC, {
      [MCP]: () => ({
        status: 401,
        headers: { 'www-authenticate': 'Bearer resource_metadata="https://mcp.example/custom/prm"' },
      }),
      'https://mcp.example/custom/prm': () => ({
        status: 200,
        body: { resource: MCP, authorization_servers: [AS], scopes_supported: ['repo'] },
      }),
      [`${AS}/.well-known/oauth-authorization-server`]: () => ({
        status: 200,
        body: asMetadata({ revocation_endpoint: `${AS}/revoke` }),
      }),
    });
    const server = await (await oauthFor(deps)).discover(MCP);
    expect(server).toMatchObject({
      issuer: AS,
      tokenEndpoint: `${AS}/token`,
      revocationEndpoint: `${AS}/revoke`,
      resource: MCP,
      scopesSupported: ['repo'],
    });
  });

  it('finds path-scoped protected resource metadata and OpenID discovery without a challenge', async () => {
    const { deps } = world(PUBLIC, {
      [MCP]: () => ({ status: 401 }),
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': () => ({
        status: 200,
        body: { resource: MCP, authorization_servers: [AS] },
      }),
      [`${AS}/.well-known/openid-configuration`]: () => ({
        status: 200,
        body: asMetadata({
          jwks_uri: `${AS}/jwks`,
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      }),
    });
    expect((await (await oauthFor(deps)).discover(MCP)).issuer).toBe(AS);
  });

  it('refuses metadata for another resource, and a server without PKCE S256', async () => {
    const other = world(PUBLIC, {
      [MCP]: () => ({ status: 401 }),
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': () => ({
        status: 200,
        body: { resource: 'https://mcp.example/other', authorization_servers: [AS] },
      }),
      [`${AS}/.well-known/oauth-authorization-server`]: () => ({ status: 200, body: asMetadata() }),
    });
    await expect((await oauthFor(other.deps)).discover(MCP)).rejects.toThrow(
      /names https:\/\/mcp.example\/other/,
    );
    const plain = world(PUBLIC, {
      [MCP]: () => ({ status: 401 }),
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': () => ({
        status: 200,
        body: { resource: MCP, authorization_servers: [AS] },
      }),
      [`${AS}/.well-known/oauth-authorization-server`]: () => ({
        status: 200,
        body: asMetadata({ code_challenge_methods_supported: ['plain'] }),
      }),
    });
    await expect((await oauthFor(plain.deps)).discover(MCP)).rejects.toThrow(/PKCE S256/);
  });

  it('never dials a private, link-local or loopback address named by an upstream or its metadata', async () => {
    const internal = world({ 'mcp.example': ['10.0.0.5'] }, {});
    await expect((await oauthFor(internal.deps)).discover(MCP)).rejects.toThrow(/private address; refused/);
    expect(internal.dialled).toEqual([]);

    const metadata = world(PUBLIC, {
      [MCP]: () => ({ status: 401 }),
      'https://mcp.example/.well-known/oauth-protected-resource/mcp': () => ({
        status: 200,
        body: { resource: MCP, authorization_servers: ['http://169.254.169.254'] },
      }),
    });
    await expect((await oauthFor(metadata.deps)).discover(MCP)).rejects.toThrow(
      /authorization server metadata|refused/,
    );
    expect(metadata.dialled).not.toContain('169.254.169.254');
    const loopback = world({ 'mcp.example': ['127.0.0.1'] }, {});
    await expect((await oauthFor(loopback.deps)).discover(MCP)).rejects.toThrow(/loopback address; refused/);
  });
});

describe('Gatehouse’s client registration at an upstream', () => {
  const server = (extra: Record<string, unknown>) => ({
    issuer: AS,
    tokenEndpoint: `${AS}/token`,
    authorizationEndpoint: `${AS}/authorize`,
    resource: MCP,
    metadata: asMetadata(extra) as never,
  });

  it('uses its client metadata document where CIMD is supported', async () => {
    const { deps, requests } = world(PUBLIC, {});
    const client = await (await oauthFor(deps)).clientFor(
      server({ client_id_metadata_document_supported: true }),
      {
        type: 'oauth',
        scopes: [],
        templates: [],
      },
    );
    expect(client).toEqual({
      method: 'cimd',
      clientId: 'https://gatehouse.example/.well-known/oauth-client/gatehouse.json',
    });
    expect(requests).toEqual([]);
  });

  it('registers once by DCR as a web application where only DCR is offered, and reuses it', async () => {
    let registrations = 0;
    const { deps, requests } = world(PUBLIC, {
      [`${AS}/register`]: (_url, request) => {
        registrations += 1;
        return {
          status: 201,
          body: { ...JSON.parse(request.body ?? '{}'), client_id: 'dcr-1', client_secret: 's3cret' },
        };
      },
    });
    const oauth = await oauthFor(deps);
    const target = server({ registration_endpoint: `${AS}/register` });
    const auth = { type: 'oauth' as const, scopes: [], templates: [] };
    expect(await oauth.clientFor(target, auth)).toEqual({
      method: 'dcr',
      clientId: 'dcr-1',
      clientSecret: 's3cret',
      authMethod: 'client_secret_basic',
    });
    expect(await oauth.clientFor(target, auth)).toMatchObject({ clientId: 'dcr-1' });
    expect(registrations).toBe(1);
    expect(JSON.parse(requests[0]?.request.body ?? '{}')).toMatchObject({
      application_type: 'web',
      redirect_uris: ['https://gatehouse.example/hub/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
    });
  });

  it('needs pre-registered credentials where neither is offered, and their secret in the environment', async () => {
    const { deps } = world(PUBLIC, {});
    const oauth = await oauthFor(deps, { GH_SECRET: 'from-env' });
    await expect(oauth.clientFor(server({}), { type: 'oauth', scopes: [], templates: [] })).rejects.toThrow(
      /auth.client/,
    );
    const given = {
      type: 'oauth' as const,
      scopes: [],
      templates: [],
      client: { clientId: 'pre', clientSecretEnv: 'GH_SECRET' },
    };
    expect(await oauth.clientFor(server({}), given)).toEqual({
      method: 'static',
      clientId: 'pre',
      clientSecret: 'from-env',
    });
    const missing = { ...given, client: { clientId: 'pre', clientSecretEnv: 'NOT_SET' } };
    await expect(oauth.clientFor(server({}), missing)).rejects.toThrow(/NOT_SET/);
  });

  it('sends PKCE S256, the resource and the state on the authorization request', async () => {
    const { deps } = world(PUBLIC, {});
    const oauth = await oauthFor(deps);
    const { url, codeVerifier } = await oauth.authorizationUrl(
      server({}),
      { method: 'cimd', clientId: 'cid' },
      ['repo', 'read:org'],
      'st4te',
    );
    const params = new URL(url).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(codeVerifier.length).toBeGreaterThanOrEqual(43);
    expect(params.get('resource')).toBe(MCP);
    expect(params.get('state')).toBe('st4te');
    expect(params.get('scope')).toBe('repo read:org');
    expect(params.get('redirect_uri')).toBe('https://gatehouse.example/hub/callback');
  });

  it('refuses an authorization response from another issuer (RFC 9207) before redeeming the code', async () => {
    const { deps, requests } = world(PUBLIC, {});
    const oauth = await oauthFor(deps);
    const target = server({ authorization_response_iss_parameter_supported: true });
    await expect(
      oauth.exchange(
        target,
        { method: 'cimd', clientId: 'cid' },
        { code: 'c', iss: 'https://evil.example', codeVerifier: 'v'.repeat(43) },
      ),
    ).rejects.toThrow(/not from the expected server/);
    await expect(
      oauth.exchange(
        target,
        { method: 'cimd', clientId: 'cid' },
        { code: 'c', iss: undefined, codeVerifier: 'v'.repeat(43) },
      ),
    ).rejects.toThrow(/not from the expected server/);
    expect(requests).toEqual([]);
  });
});
