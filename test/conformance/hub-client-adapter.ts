/**
 * The command the conformance suite's `client` mode runs to test the hub's OAuth client of upstream MCP
 * servers (src/gateway/hub/upstream-oauth.ts and the scope choice of src/gateway/hub/connect.ts) against
 * the suite's mock MCP and authorization servers. It wires that code as the hub does — discovery, CIMD /
 * DCR / pre-registered client, PKCE, resource, iss, token exchange — over the SSRF-guarded fetch (loopback
 * allowed, as in development), and adds only what the hub's user would do: the mock authorization server
 * approves at once, so "the browser" reads the Location of the authorization response; a 401 is a
 * reconnect (a new discovery: the authorization server may have moved) and a 403 `insufficient_scope` a
 * change of scopes to those the challenge names plus those held, at most twice in a row, as a person on
 * the Connections page would.
 *
 * Usage (by the suite): node --import tsx test/conformance/hub-client-adapter.ts <server-url>
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createKeyRing, randomId } from '../../src/crypto';
import { scopesToAsk } from '../../src/gateway/hub/connect';
import { createUpstreamOAuth } from '../../src/gateway/hub/upstream-oauth';
import { guardedFetch } from '../../src/lib/net/guarded-fetch';
import { createNodeOutbound } from '../../src/lib/net/safe-fetch';
import { createSqlUpstreamClientStore, openDatabase } from '../../src/store';
import { CIMD_URL, context, negotiation, scenario, serverUrl } from './adapter-env';

const REDIRECT = 'http://127.0.0.1:9/hub/callback';
const log = (...parts: unknown[]) => console.error(`[hub adapter ${scenario}]`, ...parts);

const database = openDatabase('sqlite::memory:');
await database.migrate();
const oauth = createUpstreamOAuth({
  fetch: guardedFetch(createNodeOutbound(), { maxBytes: 256 * 1024, timeoutMs: 10_000, allowLoopback: true }),
  clients: createSqlUpstreamClientStore(database),
  keyRing: await createKeyRing([{ id: 'c', key: new Uint8Array(32).fill(9) }]),
  clientMetadataUrl: CIMD_URL,
  redirectUri: REDIRECT,
  clientName: 'Gatehouse hub (conformance)',
  env: { CONFORMANCE_CLIENT_SECRET: context.client_secret },
  now: Date.now,
});
const auth = {
  type: 'oauth' as const,
  scopes: [] as string[],
  templates: [],
  ...(context.client_id
    ? {
        client: {
          clientId: context.client_id,
          ...(context.client_secret ? { clientSecretEnv: 'CONFORMANCE_CLIENT_SECRET' } : {}),
        },
      }
    : {}),
};

/** One connect flow, as the hub runs it: the access token for the scopes asked (or the default choice). */
let held: string[] = [];
async function connect(extra: string[] = []): Promise<string> {
  const server = await oauth.discover(serverUrl);
  log(
    'discovered',
    server.issuer,
    'challenge scope',
    server.challengeScope,
    'supported',
    server.scopesSupported,
  );
  const client = await oauth.clientFor(server, auth);
  const scopes =
    extra.length > 0 ? scopesToAsk([...new Set([...held, ...extra])], server) : scopesToAsk([], server);
  const state = randomId(16);
  const { url, codeVerifier } = await oauth.authorizationUrl(server, client, scopes, state);
  const answer = await fetch(url, { redirect: 'manual' });
  const location = answer.headers.get('location');
  if (!location) throw new Error(`the authorization endpoint answered ${answer.status} without a redirect`);
  const callback = new URL(location);
  if (callback.searchParams.get('state') !== state)
    throw new Error('the authorization response lost its state');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback.searchParams.get('error') ?? 'nothing'}`);
  const tokens = await oauth.exchange(server, client, {
    code,
    iss: callback.searchParams.get('iss') ?? undefined,
    codeVerifier,
  });
  held = tokens.scope ? tokens.scope.split(' ') : scopes;
  log('connected with', held.join(' ') || '(no scope)');
  return tokens.access_token;
}

let token: string | undefined;
let stepUps = 0;
/**
 * The upstream credential on every request. Connected on demand: a 401 (the first answer, or a token the
 * server no longer takes) connects with the scopes its challenge names, if any; a scope challenge changes
 * scopes.
 */
const authedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    const answer = await fetch(input, { ...init, headers });
    const challenge = answer.headers.get('www-authenticate') ?? '';
    const wanted = /scope="([^"]*)"/.exec(challenge)?.[1];
    if (answer.status === 401 && attempt === 0) {
      held = [];
      token = await connect(wanted ? wanted.split(' ') : []);
      continue;
    }
    if (
      answer.status === 403 &&
      /insufficient_scope/.test(challenge) &&
      wanted &&
      stepUps < 2 &&
      attempt < 2
    ) {
      stepUps += 1;
      token = await connect(wanted.split(' '));
      continue;
    }
    return answer;
  }
};

const client = new Client(
  { name: 'gatehouse-hub-conformance', version: '0.1.0' },
  {
    capabilities: {},
    versionNegotiation: {
      mode: negotiation(),
    },
  },
);
let exitCode = 0;
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: authedFetch }));
  const { tools } = await client.listTools();
  const calls = context.toolCalls ?? tools.map((tool) => ({ name: tool.name, arguments: {} }));
  for (const call of calls) {
    const result = await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
    log(`called ${call.name}:`, JSON.stringify(result).slice(0, 200));
  }
} catch (error) {
  log('failed:', error instanceof Error ? error.message : String(error));
  exitCode = 1;
} finally {
  await client.close().catch(() => {});
  await database.close();
}
process.exit(exitCode);
