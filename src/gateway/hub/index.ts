import { isIP } from 'node:net';
import type { HubConfig } from '../../config/hub-schema';
import type { HmacKey, KeyRing } from '../../crypto';
import type { IdentityGuard } from '../../identity';
import { classifyAddress } from '../../lib/net/address';
import { guardedFetch } from '../../lib/net/guarded-fetch';
import { guardedLookup } from '../../lib/net/guarded-lookup';
import type { OutboundDeps } from '../../lib/net/safe-fetch';
import type { ProtectedResource } from '../../oauth/resource';
import { createRequestStates } from '../../stepup/request-state';
import { createStepUpSessions, type StepUpSession } from '../../stepup/sessions';
import {
  createSqlCatalogStore,
  createSqlConnectionStore,
  createSqlLockStore,
  createSqlUpstreamClientStore,
  type EphemeralStore,
  type SqlDatabase,
} from '../../store';
import { type AuditLog, type Logger, type Metrics, noMetrics } from '../../telemetry';
import type { Endpoint } from '../endpoints';
import { httpUpstream } from '../http-upstream';
import { fetchUpstream, type Upstream } from '../upstream';
import { type CatalogEntry, createCatalog, seedCatalog } from './catalog';
import { hubClient } from './client-document';
import { createConnectFlows } from './connect';
import { createHubEndpoint } from './endpoint';
import { createHealth } from './health';
import { createLegacySessions, createLegacyStreams } from './legacy-session';
import { createLinks } from './links';
import { createHubProtocol } from './protocol';
import { hubResourceConfig } from './resource';
import { createHubStepUps } from './stepup-wire';
import { coalesceChanges, createUpstreamListens } from './upstream-listens';
import { createUpstreamOAuth } from './upstream-oauth';
import { createVault } from './vault';
import { createViews } from './view';

export { HUB_SCOPE, hubResourceConfig } from './resource';

const TOOLS_CHANGED = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
const PROMPTS_CHANGED = { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' };

/** The URL a stdio server's bridge is called at: in process, never dialled. */
const IN_PROCESS_URL = 'http://127.0.0.1/mcp';

export interface HubDeps {
  issuer: string;
  hub: HubConfig;
  dev: boolean;
  database: SqlDatabase;
  ephemeral: EphemeralStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  audit: AuditLog;
  /** counters for the hub's upstream failures (a no-op when metrics are off) */
  metrics?: Metrics;
  logger: Logger;
  guard: IdentityGuard;
  outbound: OutboundDeps;
  env: Readonly<Record<string, string | undefined>>;
  now(): number;
}

/** The gateway hub: catalog, token vault, connect flows and the aggregated endpoint, wired together. */
export async function createHub(deps: HubDeps) {
  const logger = deps.logger.child({ component: 'hub' });
  const catalogStore = createSqlCatalogStore(deps.database);
  const seeded = await seedCatalog(catalogStore, deps.hub.catalog, deps.now());
  if (
    seeded.created.length + seeded.updated.length + seeded.removed.length > 0 ||
    seeded.keptEdited.length > 0
  )
    logger.info(seeded, 'hub catalog seeded from config');
  const client = hubClient(deps.issuer, deps.hub.name);
  // In development (and tests) upstreams and their authorization servers may be on loopback.
  const allowLoopback = deps.dev;
  const oauth = createUpstreamOAuth({
    fetch: guardedFetch(deps.outbound, { maxBytes: 256 * 1024, timeoutMs: 10_000, allowLoopback }),
    clients: createSqlUpstreamClientStore(deps.database),
    keyRing: deps.keyRing,
    clientMetadataUrl: client.clientId,
    redirectUri: client.redirectUri,
    clientName: deps.hub.name,
    env: deps.env,
    now: deps.now,
  });
  const health = createHealth(deps.now);
  const upstreams = new Map<string, Upstream & { close(): void }>();
  const lookup = guardedLookup({ allowLoopback });
  /** One pooled upstream per URL, dialled only at addresses the SSRF guard accepts. */
  const stdioServers = new Map<string, { upstream: Upstream; close(): Promise<void> }>();
  const upstreamFor = (entry: CatalogEntry): Upstream => {
    if (entry.stdio) return stdioFor(entry.slug, entry.stdio);
    let upstream = upstreams.get(entry.url);
    if (!upstream) {
      const host = new URL(entry.url).hostname.replace(/^\[|\]$/g, '');
      const cls = isIP(host) ? classifyAddress(host) : 'public';
      if (cls !== 'public' && !(cls === 'loopback' && allowLoopback))
        return { call: () => Promise.reject(new Error(`${host} is a ${cls} address; refused`)) };
      upstream = httpUpstream(entry.url, { lookup });
      upstreams.set(entry.url, upstream);
    }
    return upstream;
  };

  /** A stdio entry: one child process shared by every user, started on first use (the endpoints' bridge). */
  const stdioFor = (slug: string, config: NonNullable<CatalogEntry['stdio']>): Upstream => {
    let held = stdioServers.get(slug);
    if (!held) {
      const pending = import('../stdio-upstream').then(({ createStdioUpstream }) =>
        createStdioUpstream(config, logger.child({ upstream: slug })),
      );
      const upstream: Upstream = {
        call: async (request) => fetchUpstream((await pending).fetch, IN_PROCESS_URL).call(request),
      };
      held = { upstream, close: async () => (await pending).close() };
      stdioServers.set(slug, held);
    }
    return held.upstream;
  };

  let onUserChange = (_userId: string) => {};
  let onCatalogChange = () => {};
  const catalog = createCatalog({
    store: catalogStore,
    audit: deps.audit,
    now: deps.now,
    allowLoopbackHttp: deps.dev,
    onChange: () => onCatalogChange(),
  });
  const vault = createVault({
    store: createSqlConnectionStore(deps.database),
    oauth,
    keyRing: deps.keyRing,
    hmacKey: deps.hmacKey,
    locks: createSqlLockStore(deps.database, deps.now),
    audit: deps.audit,
    logger,
    now: deps.now,
    refreshBeforeMs: deps.hub.refreshBeforeExpirySeconds * 1000,
    idpToken: (userId) => deps.guard.upstreamAccessToken(userId),
    env: deps.env,
    onChange: (userId) => onUserChange(userId),
  });
  const links = createLinks({
    upstreamFor,
    credential: (userId, entry) => vault.credential(userId, entry),
    logger,
    now: deps.now,
    // Each open link holds an SDK client (and, for a 2025 upstream, its session): closed after a minute idle.
    idleMs: 60_000,
    onListChanged: (userId, _slug, list) => onUpstreamListChange(`${list}:${userId}`),
  });
  const views = createViews({
    catalog,
    vault,
    links,
    health,
    logger,
    now: deps.now,
    cacheMs: deps.hub.listCacheSeconds * 1000,
    connectTools: deps.hub.connectTools,
  });
  const listens = createUpstreamListens({ views, links, logger, retryMs: 1_000 });
  let endpointImpl: ReturnType<typeof createHubEndpoint> | undefined;
  const protocol = createHubProtocol({
    name: deps.hub.name,
    views,
    links,
    callTool: (userId, view, params) =>
      (endpointImpl as ReturnType<typeof createHubEndpoint>).bridged(userId, view, params),
    onListening: (userId, listening) => (listening ? listens.start(userId) : listens.stop(userId)),
  });
  const stepUps = createStepUpSessions({
    store: deps.ephemeral,
    keyRing: deps.keyRing,
    hmacKey: deps.hmacKey,
    now: deps.now,
  });
  const requestStates = createRequestStates({
    store: deps.ephemeral,
    keyRing: deps.keyRing,
    hmacKey: deps.hmacKey,
    now: deps.now,
  });
  // A user's 2025-era notification stream asks for their upstreams' changes as a 2026-07-28 listen does.
  const legacyStreams = createLegacyStreams((userId, open) =>
    open ? listens.start(userId) : listens.stop(userId),
  );
  endpointImpl = createHubEndpoint({
    stepUps: createHubStepUps({
      issuer: deps.issuer,
      stepUps,
      requestStates,
      audit: deps.audit,
      legacySessions: createLegacySessions(deps.keyRing),
      legacyStreams,
      stepUpWaitMs: deps.hub.stepUpWaitSeconds * 1000,
      now: deps.now,
    }),
    path: deps.hub.path,
    views,
    links,
    vault,
    protocol,
    health,
    audit: deps.audit,
    metrics: deps.metrics ?? noMetrics,
    hmacKey: deps.hmacKey,
    logger,
    upstreamFor,
    listening: (userId) => listens.ready(userId),
    now: deps.now,
  });
  // An upstream the user listens to changed its list: their view is rebuilt, their clients told (at most
  // twice a second per user and list, whatever the upstream sends).
  const onUpstreamListChange = coalesceChanges<string>(500, (key) => {
    const list = key.slice(0, key.indexOf(':'));
    const userId = key.slice(list.length + 1);
    views.forget(userId);
    if (list === 'tools') protocol.toolsChanged(userId);
    else protocol.promptsChanged(userId);
    legacyStreams.toUser(userId, list === 'tools' ? TOOLS_CHANGED : PROMPTS_CHANGED);
  });
  onUserChange = (userId) => {
    views.forget(userId);
    links.dropUser(userId);
    protocol.toolsChanged(userId);
    legacyStreams.toUser(userId, TOOLS_CHANGED);
  };
  onCatalogChange = () => {
    views.forgetAll();
    protocol.toolsChanged();
  };
  const flows = createConnectFlows({
    catalog,
    oauth,
    vault,
    flows: deps.ephemeral,
    keyRing: deps.keyRing,
    hmacKey: deps.hmacKey,
    audit: deps.audit,
  });
  const config = hubResourceConfig(deps.hub);
  const serve = endpointImpl.serve;

  return {
    config,
    client,
    catalog,
    vault,
    views,
    flows,
    health,
    stepUps,
    /**
     * A step-up finished (the callback stored the new access): its session is completed, which releases a
     * 2026-07-28 retry waiting for it, and a 2025-era client hears `notifications/elicitation/complete` on
     * its stream (on this instance).
     */
    async completeStepUp(id: string, session: StepUpSession) {
      await stepUps.complete(id, session);
      if (session.legacySession)
        legacyStreams.toSession(session.legacySession, {
          jsonrpc: '2.0',
          method: 'notifications/elicitation/complete',
          params: { elicitationId: id },
        });
    },
    /** the hub as one more protected endpoint, for the gates */
    endpoint(resource: ProtectedResource): Endpoint {
      return { kind: 'token', config, resource, serve };
    },
    async close() {
      listens.close();
      links.close();
      legacyStreams.close();
      await protocol.close();
      for (const upstream of upstreams.values()) upstream.close();
      for (const stdio of stdioServers.values()) await stdio.close();
    },
  };
}

export type Hub = Awaited<ReturnType<typeof createHub>>;
