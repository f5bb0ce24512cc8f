import { Hono } from 'hono';
import { adminPagesRoutes } from './admin/routes';
import { type CoreOptions, composeCore, sweepIdentities } from './compose';
import type { GatehouseConfig } from './config';
import { createNavigation } from './console/navigation';
import { consoleRoutes } from './console/routes';
import { createEndpoints } from './gateway/endpoints';
import type { Hub } from './gateway/hub';
import type { UpstreamFetch } from './gateway/proxy';
import { type AppEnv, createApp, createRateLimiter, listen, type RunningServer } from './http';
import { listenMetrics } from './http/metrics-server';
import { withPublicCors } from './http/middleware/public-cors';
import { createNodeFront } from './http/node-front';
import { createCookieJar } from './identity/cookies';
import { identityRoutes } from './identity/routes';
import { createSessionManager } from './identity/session';
import type { IdentityDeps } from './identity/web-session';
import { accountRoutes } from './oauth/account-routes';
import { oauthRoutes, PUBLIC_CORS_MAX_AGE, PUBLIC_CORS_METHODS } from './oauth/routes';
import { createTokenEndpoint } from './oauth/token-endpoint';
import { STYLESHEET } from './pages/style';
import type { SelfFetch } from './playground/flow';
import { playgroundRoutes } from './playground/routes';
import { createEndpointGates } from './resource/gate';
import { resourceRoutes } from './resource/routes';
import { tokenRoutes } from './resource/token-routes';
import { type SqlDatabase, sweepExpired } from './store';

export { protectedResources } from './compose';

export interface Gatehouse {
  url: string;
  server: RunningServer;
  /** the open database (tests inspect what was stored) */
  database: SqlDatabase;
  /** the gateway hub, when enabled */
  hub: Hub | undefined;
  /** the Prometheus listener's URL (`…/metrics`), when metrics are on */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions extends CoreOptions {
  sweepIntervalMs?: number;
  /** outbound HTTP to upstream MCP servers (tests inject one; default: fetch) */
  upstreamFetch?: UpstreamFetch;
  /** where hub catalog secrets (`valueEnv`, `clientSecretEnv`) are read; default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The composition root: config -> core (stores, concerns) -> Hono app -> listening server. */
export async function startGatehouse(
  config: GatehouseConfig,
  options: StartOptions = {},
): Promise<Gatehouse> {
  const core = await composeCore(config, options);
  const identity: IdentityDeps = {
    issuer: config.issuer,
    sessions: createSessionManager(core.ephemeral, core.keyRing, config.session, core.now),
    cookies: createCookieJar(config.issuer),
    hmacKey: core.hmacKey,
    keyRing: core.keyRing,
    devLoginEnabled: config.devLogin.enabled,
    sessionMaxAgeSeconds: config.session.absoluteTimeoutSeconds,
    providers: core.providers,
    directory: core.directory,
    guard: core.guard,
    policy: config.access,
    audit: core.audit,
    transactions: core.ephemeral,
  };
  const gateway = await createEndpoints(config.resources, core.resources, {
    hmacKey: core.hmacKey,
    guard: core.guard,
    logger: core.logger,
    audit: core.audit,
    metrics: core.metrics,
    ...(options.upstreamFetch ? { fetch: options.upstreamFetch } : {}),
  });

  // The hub (and the MCP SDK client and server it needs) is loaded only when enabled.
  const hubModules = config.hub.enabled
    ? await Promise.all([
        import('./gateway/hub'),
        import('./gateway/hub/routes'),
        import('./admin/catalog-api'),
        import('./admin/catalog-routes'),
        import('./stepup/routes'),
      ])
    : undefined;
  const hub = hubModules
    ? await hubModules[0].createHub({
        issuer: config.issuer,
        hub: config.hub,
        dev: config.mode === 'dev',
        database: core.database,
        ephemeral: core.ephemeral,
        keyRing: core.keyRing,
        hmacKey: core.hmacKey,
        audit: core.audit,
        metrics: core.metrics,
        logger: core.logger,
        guard: core.guard,
        outbound: core.outbound,
        env: options.env ?? process.env,
        now: core.now,
      })
    : undefined;
  const hubResource = hub && core.resources.find((resource) => resource.path === hub.config.path);
  if (hub && hubResource) {
    gateway.endpoints.push(hub.endpoint(hubResource));
    // A drifted or admin-revoked user's upstream connections go too (revoked at the upstream where it offers RFC 7009).
    core.revocationHooks.push((userId, reason) => hub.vault.disconnectAll(userId, reason));
  }

  // Every page's header: the navigation depends on what is switched on, and on who is an admin.
  identity.viewer = createNavigation({ hub: Boolean(hub), playground: config.playground.enabled }, identity);
  const assets = new Hono<AppEnv>();
  assets.get('/assets/style.css', (c) =>
    c.body(STYLESHEET, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  const cleanups: Array<() => void | Promise<void>> = [() => gateway.close()];
  if (hub) cleanups.push(() => hub.close());
  const rateLimit = config.http.rateLimit;
  const limiter = (max: number, scope: 'ip' | 'identity') =>
    rateLimit.enabled
      ? createRateLimiter(core.ephemeral, {
          windowMs: rateLimit.windowSeconds * 1000,
          max,
          now: core.now,
          onRefused: () => core.metrics.rateLimited(scope),
          onStoreError: (error) =>
            core.logger.warn({ err: error }, 'rate-limit store unavailable; counting locally'),
        })
      : undefined;
  // Per IP (every route, in the app and in the Node front alike) and per identity (the endpoints).
  const ipLimiter = limiter(rateLimit.maxRequestsPerIp, 'ip');
  const userLimiter = limiter(rateLimit.maxRequestsPerUser, 'identity');
  if (ipLimiter) cleanups.push(() => ipLimiter.close());
  if (userLimiter) cleanups.push(() => userLimiter.close());
  // The playground calls Gatehouse's own token and MCP endpoints through this same app, in process.
  let selfFetch: SelfFetch = () => Promise.reject(new Error('not started'));
  const playground = config.playground.enabled
    ? [
        playgroundRoutes(
          {
            issuer: config.issuer,
            client: core.playground,
            endpoints: core.resources
              .filter((resource) => (resource.auth ?? ['oauth']).includes('oauth'))
              .map((resource) => ({
                path: resource.path,
                name: resource.name,
                uri: resource.uri,
                scopes: resource.scopes.map((scope) => scope.name),
              })),
            keyRing: core.keyRing,
            store: core.ephemeral,
            selfFetch: (request, clientIp) => selfFetch(request, clientIp),
            now: core.now,
          },
          identity,
        ),
      ]
    : [];
  const gates = createEndpointGates(gateway.endpoints, {
    issuer: config.issuer,
    authenticator: core.authenticator,
    allowedOrigins: config.http.allowedOrigins,
    limiter: userLimiter,
  });
  const app = createApp({
    config,
    ipLimiter,
    logger: core.logger,
    metrics: core.metrics,
    tracing: core.tracing,
    ephemeral: core.ephemeral,
    ping: core.database.ping,
    now: core.now,
    onClose: (cleanup) => cleanups.push(cleanup),
    routes: [
      assets,
      consoleRoutes(
        {
          issuer: config.issuer,
          endpoints: core.resources.filter((resource) => (resource.auth ?? ['oauth']).includes('oauth')),
        },
        identity,
      ),
      identityRoutes(identity),
      oauthRoutes(core.oauth, identity, core.ephemeral),
      accountRoutes(core.oauth, identity),
      tokenRoutes(core.pats, identity, core.audit),
      ...adminPagesRoutes(core, config, identity, hub),
      resourceRoutes(config.issuer, core.resources, gates),
      ...(hub && hubModules
        ? [
            hubModules[1].hubRoutes(hub, identity),
            hubModules[2].catalogApi(hub, identity, core.pats),
            hubModules[3].catalogRoutes(hub, identity, core.pats),
            hubModules[4].stepUpRoutes(hub, identity, core.audit),
          ]
        : []),
      ...playground,
    ],
  });
  selfFetch = async (request, clientIp) => app.fetch(request, { inProcessClientIp: clientIp });
  // Off the wire, the MCP endpoints and the token endpoint are served by the Node front; the rest by the
  // app (which serves them too, for in-process callers).
  const tokenEndpoint = createTokenEndpoint(core.oauth);
  const front = createNodeFront({
    issuer: config.issuer,
    logger: core.logger,
    metrics: core.metrics,
    tracing: core.tracing,
    trustProxyHops: config.http.trustProxyHops,
    bodyLimitBytes: config.http.bodyLimitBytes,
    ipLimiter,
    routes: [
      ...gates,
      {
        path: '/oauth/token',
        methods: ['POST', 'OPTIONS'],
        serve: withPublicCors(PUBLIC_CORS_METHODS, PUBLIC_CORS_MAX_AGE, (request, ip, log) =>
          tokenEndpoint(request, { ip, log }),
        ),
      },
    ],
  });
  let server: RunningServer;
  let metricsServer: RunningServer | undefined;
  try {
    server = await listen(app, config.listen.host, config.listen.port, front);
    cleanups.push(() => server.close());
    if (config.metrics.enabled) {
      metricsServer = await listenMetrics(core.metrics, config.metrics.host, config.metrics.port);
      cleanups.push(() => metricsServer?.close());
      core.logger.info({ url: `${metricsServer.url}/metrics` }, 'metrics listening');
    }
  } catch (error) {
    // Nothing keeps running when the port cannot be had (a busy port must not leave the process hanging).
    for (const cleanup of cleanups) await cleanup();
    await core.database.close();
    throw error;
  }

  const sweep = setInterval(() => {
    sweepExpired(core.database, core.now()).catch((error: unknown) =>
      core.logger.warn({ err: error }, 'expiry sweep failed'),
    );
  }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();
  const identitySweep = setInterval(() => {
    // Hub connections about to expire are refreshed ahead of use; a refused refresh marks one broken.
    hub?.vault.refreshExpiring().then(
      (result) => {
        if (result.refreshed + result.failed > 0) core.logger.info(result, 'hub connection sweep');
      },
      (error: unknown) => core.logger.warn({ err: error }, 'hub connection sweep failed'),
    );
    sweepIdentities(core, config).then(
      (result) => {
        if (result.checked > 0 || result.auditPurged > 0) core.logger.info(result, 'identity sweep');
      },
      (error: unknown) => core.logger.warn({ err: error }, 'identity sweep failed'),
    );
  }, config.identity.sweepIntervalSeconds * 1000);
  identitySweep.unref();

  return {
    url: server.url,
    server,
    database: core.database,
    hub,
    metricsUrl: metricsServer && `${metricsServer.url}/metrics`,
    async close() {
      clearInterval(sweep);
      clearInterval(identitySweep);
      for (const cleanup of cleanups) await cleanup();
      // The last batched tool-call events, written before the database goes; the last spans exported.
      await core.audit.flush();
      await core.tracing.shutdown();
      await core.database.close();
    },
  };
}
