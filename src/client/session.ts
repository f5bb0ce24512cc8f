import {
  Client,
  type ClientCapabilities,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { ClientFailure, type RecordedRequest, recordingFetch } from './failure';
import { startLoopbackCallback } from './loopback';
import { CliOAuthProvider, type PreRegisteredClient } from './provider';
import type { TokenStore } from './token-store';

export interface SessionOptions {
  serverUrl: string;
  store: TokenStore;
  clientMetadataUrl?: string | undefined;
  preRegistered?: PreRegisteredClient | undefined;
  /** shows the authorization URL to the user (print it, open a browser, or follow it in tests) */
  openAuthorizationUrl: (url: URL) => void | Promise<void>;
  /** false: never start a sign-in (`whoami`); a request that needs one fails with `notSignedIn` instead */
  signIn?: boolean;
  notSignedIn?: string;
  /** how long to wait for the user to finish signing in (default 5 minutes) */
  authorizationTimeoutMs?: number;
  /** 'auto' (2026-07-28 with fallback), 'legacy' (2025-11-25 handshake) or a pinned revision */
  protocol?: VersionNegotiationMode;
  capabilities?: ClientCapabilities;
  /** registers request handlers (elicitation, sampling, roots) on each Client created */
  configureClient?: (client: Client) => void;
  fetch?: typeof fetch;
  /**
   * A bearer to send as is instead of running OAuth (a personal access token, a service token, a BYOK
   * key): the same commands against endpoints that take one.
   */
  bearerToken?: string | undefined;
}

export interface ClientSession {
  readonly provider: CliOAuthProvider;
  readonly trail: readonly RecordedRequest[];
  /** Hands over an authorization response URL pasted by the user; false unless it is the awaited one. */
  deliverPasted(callbackUrl: string): boolean;
  /** Runs an MCP operation, going through authorization (once per challenge, bounded) when asked to. */
  run<T>(operation: (client: Client) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Authorization round trips one operation may need: sign-in, then at most two scope step-ups. */
const MAX_AUTHORIZATIONS = 3;

export async function openClientSession(options: SessionOptions): Promise<ClientSession> {
  const trail: RecordedRequest[] = [];
  const fetchWithTrail = recordingFetch(options.fetch ?? fetch, trail);
  const loopback = await startLoopbackCallback();
  const provider = new CliOAuthProvider({
    serverUrl: options.serverUrl,
    store: options.store,
    state: await options.store.read(),
    redirectUrl: loopback.redirectUrl,
    clientMetadataUrl: options.clientMetadataUrl,
    preRegistered: options.preRegistered,
    onAuthorizationUrl: async (url, state) => {
      if (options.signIn === false)
        throw new ClientFailure(options.notSignedIn ?? `not signed in to ${options.serverUrl}`);
      // MCP scope-challenge handling: bounded re-authorization, never a loop of sign-in pages
      if (++authorizationsStarted > MAX_AUTHORIZATIONS)
        throw new ClientFailure(
          `${options.serverUrl} still refused access after ${MAX_AUTHORIZATIONS} authorizations; giving up`,
        );
      // listen for the answer before the user can possibly give it
      pendingResponse = loopback.expect(state, options.authorizationTimeoutMs ?? 5 * 60_000);
      pendingResponse.catch(() => {}); // a timeout is reported where the response is awaited
      authorizationEndpoint = `${url.origin}${url.pathname}`;
      await options.openAuthorizationUrl(url);
    },
  });
  let pendingResponse: Promise<URLSearchParams> | undefined;
  let authorizationsStarted = 0;
  let authorizationEndpoint = '';

  const resourceUrl = new URL(options.serverUrl).href;
  const resourceFetch: typeof fetch = async (input, init) => {
    const response = await fetchWithTrail(input, init);
    if (response.status === 401 && new Request(input, init).url === resourceUrl) provider.forgetDiscovery();
    return response;
  };

  let client: Client | undefined;
  let transport: StreamableHTTPClientTransport | undefined;

  async function connected(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    if (client && transport) return { client, transport };
    const fresh = new Client(
      { name: 'gatehouse-client', version: '0.1.0' },
      { capabilities: options.capabilities ?? {}, versionNegotiation: { mode: options.protocol ?? 'auto' } },
    );
    options.configureClient?.(fresh);
    const freshTransport = new StreamableHTTPClientTransport(
      new URL(options.serverUrl),
      options.bearerToken
        ? {
            fetch: fetchWithTrail,
            requestInit: { headers: { authorization: `Bearer ${options.bearerToken}` } },
          }
        : { authProvider: provider, fetch: resourceFetch },
    );
    try {
      await fresh.connect(freshTransport);
    } catch (error) {
      await freshTransport.close().catch(() => {});
      // the transport kept what it learned from the challenge; finishAuth needs it, so hand it back
      throw Object.assign(error as object, { transport: freshTransport });
    }
    client = fresh;
    transport = freshTransport;
    return { client, transport };
  }

  async function completeAuthorization(via: StreamableHTTPClientTransport): Promise<void> {
    const response = pendingResponse;
    pendingResponse = undefined;
    provider.pendingState = undefined;
    if (!response)
      throw new ClientFailure('the server asked for authorization but no authorization request was started');
    const params = await response;
    // RFC 9207 / MCP: an error response's text is not shown before `iss` is checked (it may come from a
    // mix-up); the SDK surfaces it, validated, as the OAuthError this call throws.
    trail.push({
      method: 'GET',
      url: `${authorizationEndpoint} (in the browser)`,
      summary: params.has('code')
        ? 'authorization response with a code'
        : 'authorization response with an error',
    });
    // The SDK checks `iss` (RFC 9207 §2.4) before it redeems the code or surfaces an error response.
    await via.finishAuth(params);
  }

  return {
    provider,
    trail,
    deliverPasted: (callbackUrl) => loopback.deliverPasted(callbackUrl),
    async run(operation) {
      authorizationsStarted = 0;
      for (;;) {
        let via: StreamableHTTPClientTransport | undefined;
        try {
          const live = await connected();
          via = live.transport;
          return await operation(live.client);
        } catch (error) {
          const pending = error instanceof UnauthorizedError && provider.pendingState !== undefined;
          if (!pending) throw error;
          via ??= (error as { transport?: StreamableHTTPClientTransport }).transport;
          if (!via) throw error;
          await completeAuthorization(via);
        }
      }
    },
    async close() {
      await transport?.close().catch(() => {});
      await loopback.close();
    },
  };
}
