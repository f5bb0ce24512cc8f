import { type HmacKey, hmacSha256, type KeyRing, randomId } from '../../crypto';
import type { EphemeralStore } from '../../store';
import type { AuditLog } from '../../telemetry';
import { type Catalog, type CatalogEntry, CatalogError } from './catalog';
import {
  UpstreamAuthError,
  type UpstreamClient,
  type UpstreamOAuth,
  type UpstreamServer,
} from './upstream-oauth';
import type { Vault } from './vault';

/** One connect flow in flight, kept sealed under its state for ten minutes, used once. */
interface Flow {
  userId: string;
  /** HMAC of the browser session that started it: the callback must come back to the same browser */
  session: string;
  slug: string;
  scopes: string[];
  codeVerifier: string;
  server: UpstreamServer;
  client: UpstreamClient;
  /** the step-up session this flow answers, if any */
  stepUp?: string | undefined;
}

export class FlowError extends Error {
  override name = 'FlowError';
  constructor(
    readonly status: 400 | 403 | 502,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectDeps {
  catalog: Catalog;
  oauth: UpstreamOAuth;
  vault: Vault;
  flows: EphemeralStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  audit: AuditLog;
  ttlMs?: number;
}

/** The scopes an entry offers a user: its default list, its templates' and any the upstream advertises. */
export function offeredScopes(entry: CatalogEntry, advertised: readonly string[] = []): string[] {
  if (entry.auth.type !== 'oauth') return [];
  return [
    ...new Set([...entry.auth.scopes, ...entry.auth.templates.flatMap((t) => t.scopes), ...advertised]),
  ];
}

/**
 * The scopes of an authorization request without a user's choice: the entry's own list; else what the
 * upstream's challenge named; else what its metadata says it supports; else none (the server's default).
 * `offline_access` is added where the authorization server offers it, so the connection gets a refresh
 * token (MCP authorization spec, 2026-07-28).
 */
export function scopesToAsk(configured: readonly string[], server: UpstreamServer): string[] {
  const base =
    configured.length > 0
      ? [...configured]
      : server.challengeScope !== undefined
        ? server.challengeScope.split(' ').filter(Boolean)
        : [...(server.scopesSupported ?? [])];
  const offline = server.metadata.scopes_supported?.includes('offline_access') ?? false;
  return offline && !base.includes('offline_access') ? [...base, 'offline_access'] : base;
}

/**
 * Connecting a user to an OAuth upstream: discovery and registration, the authorization request (state
 * bound to the browser session and the user, single use), and the callback that stores the tokens.
 */
export function createConnectFlows(deps: ConnectDeps) {
  const key = async (state: string) => `hub-flow:${await hmacSha256(deps.hmacKey, `hub-flow|${state}`)}`;
  const sessionBinding = (sessionId: string) => hmacSha256(deps.hmacKey, `hub-session|${sessionId}`);

  return {
    /**
     * The URL to send the browser to. `choice` is a template name or a list of scopes; absent, the entry's
     * default scopes. A scope the entry does not offer is refused (400).
     */
    async begin(
      userId: string,
      sessionId: string,
      slug: string,
      choice: { template?: string; scopes?: string[]; stepUp?: string } = {},
    ) {
      const entry = await deps.catalog.entry(slug);
      if (!entry) throw new CatalogError(404, `no catalog entry "${slug}"`);
      if (entry.auth.type !== 'oauth')
        throw new CatalogError(400, `${entry.name} needs no connection: its tools are ready`);
      let server: UpstreamServer;
      let client: UpstreamClient;
      try {
        server = await deps.oauth.discover(entry.url);
        client = await deps.oauth.clientFor(server, entry.auth);
      } catch (error) {
        if (error instanceof UpstreamAuthError) throw new FlowError(502, `${entry.name}: ${error.message}`);
        throw error;
      }
      let scopes = scopesToAsk(entry.auth.scopes, server);
      if (choice.template !== undefined) {
        const template = entry.auth.templates.find((t) => t.name === choice.template);
        if (!template)
          throw new CatalogError(400, `${entry.name} has no scope template "${choice.template}"`);
        scopes = scopesToAsk(template.scopes, server);
      } else if (choice.scopes) {
        const offered = new Set(offeredScopes(entry, server.scopesSupported));
        const unknown = choice.scopes.filter((scope) => !offered.has(scope));
        if (unknown.length > 0)
          throw new CatalogError(400, `${entry.name} does not offer: ${unknown.join(' ')}`);
        scopes = scopesToAsk(choice.scopes, server);
      }
      const state = randomId(32);
      const { url, codeVerifier } = await deps.oauth.authorizationUrl(server, client, scopes, state);
      const flow: Flow = {
        userId,
        session: await sessionBinding(sessionId),
        slug,
        scopes,
        codeVerifier,
        server,
        client,
        ...(choice.stepUp ? { stepUp: choice.stepUp } : {}),
      };
      await deps.flows.set(
        await key(state),
        await deps.keyRing.encrypt(JSON.stringify(flow), 'hub-flow'),
        deps.ttlMs ?? 600_000,
      );
      return { url, entry };
    },

    /** The callback: the flow is taken (once), checked against this browser and user, then the code redeemed. */
    async finish(
      userId: string | undefined,
      sessionId: string | undefined,
      query: Record<string, string | undefined>,
    ) {
      const state = query.state;
      if (!state || state.length > 200)
        throw new FlowError(
          400,
          'the answer from the upstream has no state: start again from the Connections page',
        );
      const sealed = await deps.flows.take(await key(state));
      if (!sealed)
        throw new FlowError(
          400,
          'this connection request is unknown, expired or already used: start again from the Connections page',
        );
      const flow = JSON.parse(await deps.keyRing.decrypt(sealed, 'hub-flow')) as Flow;
      if (
        !userId ||
        !sessionId ||
        flow.userId !== userId ||
        flow.session !== (await sessionBinding(sessionId))
      )
        throw new FlowError(
          403,
          'this connection was started in another browser or by another user: start again from the Connections page',
        );
      const entry = await deps.catalog.entry(flow.slug);
      if (!entry) throw new FlowError(400, 'that server is no longer in the catalog');
      if (query.error)
        throw new FlowError(
          400,
          `${entry.name} did not grant access (${query.error}${query.error_description ? `: ${query.error_description.slice(0, 200)}` : ''}); any earlier connection is kept`,
        );
      if (!query.code) throw new FlowError(400, `${entry.name} sent no authorization code`);
      let tokens: Awaited<ReturnType<UpstreamOAuth['exchange']>>;
      try {
        tokens = await deps.oauth.exchange(flow.server, flow.client, {
          code: query.code,
          iss: query.iss,
          codeVerifier: flow.codeVerifier,
        });
      } catch (error) {
        if (error instanceof UpstreamAuthError) throw new FlowError(502, `${entry.name}: ${error.message}`);
        throw error;
      }
      await deps.vault.connect(userId, entry, flow.server, flow.client, tokens, flow.scopes);
      await deps.audit.record({
        event: 'hub.connected',
        userId,
        resource: entry.slug,
        details: { scopes: tokens.scope ?? flow.scopes.join(' '), client: flow.client.method },
      });
      return { entry, scopes: tokens.scope ?? flow.scopes.join(' '), stepUp: flow.stepUp };
    },
  };
}

export type ConnectFlows = ReturnType<typeof createConnectFlows>;
