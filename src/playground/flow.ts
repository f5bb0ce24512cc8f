import type { Client, Tool } from '@modelcontextprotocol/client';
import { constantTimeEqual, type KeyRing, randomId, sha256 } from '../crypto';
import type { EphemeralStore } from '../store';
import type { PlaygroundClient } from './client-document';

/** An OAuth-protected endpoint the playground can call. */
export interface PlaygroundEndpoint {
  path: string;
  name: string;
  uri: string;
  scopes: string[];
}

/** Sends a request through Gatehouse's own HTTP pipeline in process, on behalf of the browser at `clientIp`. */
export type SelfFetch = (request: Request, clientIp: string) => Promise<Response>;

export interface PlaygroundDeps {
  issuer: string;
  client: PlaygroundClient;
  endpoints: readonly PlaygroundEndpoint[];
  keyRing: KeyRing;
  store: EphemeralStore;
  selfFetch: SelfFetch;
  now: () => number;
}

const TRANSACTION_TTL_MS = 10 * 60_000;

/** One of Gatehouse's own endpoints, under the issuer (as the AS metadata publishes them). */
const issuerUrl = (deps: PlaygroundDeps, path: string) => `${deps.issuer.replace(/\/$/, '')}${path}`;

/** What the HttpOnly cookie carries between /playground/connect and the callback (sealed with AES-GCM). */
interface Transaction {
  state: string;
  verifier: string;
  endpoint: string;
  /** hash of the browser session it was started in */
  binding: string;
  expiresAt: number;
}

export interface StartedAuthorization {
  authorizationUrl: string;
  cookie: string;
  cookieMaxAgeSeconds: number;
}

/** OAuth 2.1 §4.1.1 with PKCE S256 and RFC 8707 `resource`: the playground's authorization request. */
export async function startAuthorization(
  deps: PlaygroundDeps,
  sessionId: string,
  endpoint: PlaygroundEndpoint,
): Promise<StartedAuthorization> {
  const state = randomId(24);
  const verifier = randomId(32);
  const transaction: Transaction = {
    state,
    verifier,
    endpoint: endpoint.path,
    binding: await sha256(sessionId),
    expiresAt: deps.now() + TRANSACTION_TTL_MS,
  };
  // the state is also recorded server-side so the callback can consume it exactly once
  await deps.store.set(`playground:state:${await sha256(state)}`, '1', TRANSACTION_TTL_MS);
  const url = new URL(issuerUrl(deps, '/oauth/authorize'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: deps.client.clientId,
    redirect_uri: deps.client.redirectUri,
    code_challenge: await sha256(verifier),
    code_challenge_method: 'S256',
    state,
    scope: endpoint.scopes.join(' '),
    resource: endpoint.uri,
  }).toString();
  return {
    authorizationUrl: url.toString(),
    cookie: await deps.keyRing.encrypt(JSON.stringify(transaction), 'playground-transaction'),
    cookieMaxAgeSeconds: TRANSACTION_TTL_MS / 1000,
  };
}

export type CallbackOutcome =
  | { ok: true; endpoint: string }
  | { ok: false; status: 400 | 403 | 502; message: string };

/**
 * The redirect back: the sealed cookie must belong to this browser session and carry this `state`
 * (consumed once), `iss` must be Gatehouse (RFC 9207 §2.4), then the code is exchanged with the verifier.
 */
export async function completeAuthorization(
  deps: PlaygroundDeps,
  sessionId: string,
  cookie: string | undefined,
  query: { code?: string; state?: string; iss?: string; error?: string; error_description?: string },
  clientIp: string,
): Promise<CallbackOutcome> {
  let transaction: Transaction | undefined;
  try {
    transaction = cookie
      ? (JSON.parse(await deps.keyRing.decrypt(cookie, 'playground-transaction')) as Transaction)
      : undefined;
  } catch {
    transaction = undefined;
  }
  const refused = (message: string): CallbackOutcome => ({ ok: false, status: 400, message });
  if (!transaction || transaction.expiresAt < deps.now())
    return refused('This sign-in attempt is unknown or expired. Start again from the playground.');
  if (transaction.binding !== (await sha256(sessionId)))
    return {
      ok: false,
      status: 403,
      message: 'This sign-in attempt was started in another browser session.',
    };
  if (!query.state || !constantTimeEqual(query.state, transaction.state))
    return refused('The response does not match the sign-in attempt (state). Start again.');
  if (query.iss !== deps.issuer) return refused('The response does not come from this Gatehouse (iss).');
  if (!(await deps.store.take(`playground:state:${await sha256(transaction.state)}`)))
    return refused('This sign-in response was already used.');
  if (query.error)
    return refused(
      query.error === 'access_denied'
        ? 'Access was not granted.'
        : `Authorization failed: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`,
    );
  if (!query.code) return refused('The response carries no authorization code.');

  const endpoint = deps.endpoints.find((e) => e.path === transaction.endpoint);
  if (!endpoint) return refused('That endpoint is no longer configured.');
  const response = await deps.selfFetch(
    new Request(issuerUrl(deps, '/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.code,
        code_verifier: transaction.verifier,
        redirect_uri: deps.client.redirectUri,
        client_id: deps.client.clientId,
        resource: endpoint.uri,
      }),
    }),
    clientIp,
  );
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof body.access_token !== 'string')
    return {
      ok: false,
      status: 502,
      message: `The token request failed: ${String(body.error ?? response.status)}${body.error_description ? ` (${String(body.error_description)})` : ''}`,
    };
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
  await saveToken(deps, sessionId, endpoint.path, {
    accessToken: body.access_token,
    scope: typeof body.scope === 'string' ? body.scope : '',
    expiresAt: deps.now() + expiresIn * 1000,
  });
  return { ok: true, endpoint: endpoint.path };
}

export interface StoredToken {
  accessToken: string;
  scope: string;
  expiresAt: number;
}

// Tokens live server-side only, encrypted, under a key derived from the browser session: they never
// reach the browser, and they end with the session's token lifetime.
const tokenKey = async (sessionId: string, path: string) =>
  `playground:token:${await sha256(`${sessionId}|${path}`)}`;

async function saveToken(deps: PlaygroundDeps, sessionId: string, path: string, token: StoredToken) {
  const key = await tokenKey(sessionId, path);
  await deps.store.set(
    key,
    await deps.keyRing.encrypt(JSON.stringify(token), key),
    token.expiresAt - deps.now(),
  );
}

export async function loadToken(
  deps: PlaygroundDeps,
  sessionId: string,
  path: string,
): Promise<StoredToken | undefined> {
  const key = await tokenKey(sessionId, path);
  const sealed = await deps.store.get(key);
  if (!sealed) return undefined;
  try {
    return JSON.parse(await deps.keyRing.decrypt(sealed, key)) as StoredToken;
  } catch {
    return undefined;
  }
}

export async function forgetToken(deps: PlaygroundDeps, sessionId: string, path: string, clientIp: string) {
  const token = await loadToken(deps, sessionId, path);
  await deps.store.delete(await tokenKey(sessionId, path));
  if (!token) return;
  // RFC 7009: revoke, not only forget
  await deps.selfFetch(
    new Request(issuerUrl(deps, '/oauth/revoke'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.accessToken, client_id: deps.client.clientId }),
    }),
    clientIp,
  );
}

/** Thrown when the endpoint no longer accepts the stored token (expired, revoked): connect again. */
export class TokenRejected extends Error {}

/** One MCP exchange with an endpoint through the SDK client, the bearer added in process. */
export async function withEndpoint<T>(
  deps: PlaygroundDeps,
  endpoint: PlaygroundEndpoint,
  token: StoredToken,
  clientIp: string,
  operation: (client: Client) => Promise<T>,
): Promise<T> {
  let rejected = false;
  // Loaded on first use: a gateway whose users never open the playground does not carry the SDK client.
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const client = new Client(
    { name: 'gatehouse-playground', version: '0.1.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(endpoint.uri), {
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token.accessToken}`);
      const response = await deps.selfFetch(new Request(input, { ...init, headers }), clientIp);
      if (response.status === 401) rejected = true;
      return response;
    },
  });
  try {
    await client.connect(transport);
    return await operation(client);
  } catch (error) {
    if (rejected) throw new TokenRejected('the endpoint no longer accepts this token');
    throw error;
  } finally {
    await client.close().catch(() => {});
  }
}

export type { Tool };
