import { Hono } from 'hono';
import { adminRoutes } from './admin/audit-routes';
import { type CoreOptions, composeCore, sweepIdentities } from './compose';
import type { GatehouseConfig } from './config';
import { createEchoMcpHandler } from './demo/echo-server';
import { type AppEnv, createApp, createRateLimiter, listen, type RunningServer } from './http';
import { createCookieJar } from './identity/cookies';
import { type IdentityDeps, identityRoutes } from './identity/routes';
import { createSessionManager } from './identity/session';
import { accountRoutes } from './oauth/account-routes';
import { oauthRoutes } from './oauth/routes';
import { STYLESHEET } from './pages/style';
import { resourceRoutes } from './resource/routes';
import { tokenRoutes } from './resource/token-routes';
import { type SqlDatabase, sweepExpired } from './store';

export { protectedResources } from './compose';

export interface Gatehouse {
  url: string;
  server: RunningServer;
  /** the open database (tests inspect what was stored) */
  database: SqlDatabase;
  close(): Promise<void>;
}

export interface StartOptions extends CoreOptions {
  sweepIntervalMs?: number;
}

/** The composition root: config -> core (stores, concerns) -> Hono app -> listening server. */
export async function startGatehouse(
  config: GatehouseConfig,
  options: StartOptions = {},
): Promise<Gatehouse> {
  const core = await composeCore(config, options);
  const {
    logger,
    now,
    database,
    keyRing,
    hmacKey,
    ephemeral,
    resources,
    audit,
    auditStore,
    directory,
    providers,
    guard,
    oauth,
    pats,
    authenticator,
  } = core;
  const identity: IdentityDeps = {
    issuer: config.issuer,
    sessions: createSessionManager(ephemeral, keyRing, config.session, now),
    cookies: createCookieJar(config.issuer),
    hmacKey,
    keyRing,
    devLoginEnabled: config.devLogin.enabled,
    sessionMaxAgeSeconds: config.session.absoluteTimeoutSeconds,
    providers,
    directory,
    guard,
    policy: config.access,
    audit,
    transactions: ephemeral,
  };
  // Until upstream endpoints arrive, every protected resource serves the built-in demo MCP server.
  const mcp = createEchoMcpHandler();

  const assets = new Hono<AppEnv>();
  assets.get('/assets/style.css', (c) =>
    c.body(STYLESHEET, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  const cleanups: Array<() => void | Promise<void>> = [() => mcp.close()];
  const rateLimit = config.http.rateLimit;
  const userLimiter = rateLimit.enabled
    ? createRateLimiter(ephemeral, {
        windowMs: rateLimit.windowSeconds * 1000,
        max: rateLimit.maxRequestsPerUser,
        now,
        onStoreError: (error) =>
          logger.warn({ err: error }, 'rate-limit store unavailable; counting locally'),
      })
    : undefined;
  if (userLimiter) cleanups.push(() => userLimiter.close());
  const app = createApp({
    config,
    logger,
    ephemeral,
    ping: database.ping,
    now,
    onClose: (cleanup) => cleanups.push(cleanup),
    routes: [
      assets,
      identityRoutes(identity),
      oauthRoutes(oauth, identity, ephemeral),
      accountRoutes(oauth, identity),
      adminRoutes(identity, auditStore),
      tokenRoutes(pats, identity, audit),
      resourceRoutes(
        config.issuer,
        resources.map((resource) => ({
          resource,
          handler: (request, token) =>
            mcp.fetch(request, {
              authInfo: {
                token: 'redacted',
                clientId: token.clientId,
                scopes: token.scopes,
                expiresAt: Math.floor(token.expiresAt / 1000),
                resource: new URL(token.resource),
              },
            }),
        })),
        authenticator,
        config.http.allowedOrigins,
        userLimiter,
      ),
    ],
  });
  const server = await listen(app, config.listen.host, config.listen.port);

  const sweep = setInterval(() => {
    sweepExpired(database, now()).catch((error: unknown) =>
      logger.warn({ err: error }, 'expiry sweep failed'),
    );
  }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();
  const identitySweep = setInterval(() => {
    sweepIdentities(core, config).then(
      (result) => {
        if (result.checked > 0 || result.auditPurged > 0) logger.info(result, 'identity sweep');
      },
      (error: unknown) => logger.warn({ err: error }, 'identity sweep failed'),
    );
  }, config.identity.sweepIntervalSeconds * 1000);
  identitySweep.unref();

  return {
    url: server.url,
    server,
    database,
    async close() {
      clearInterval(sweep);
      clearInterval(identitySweep);
      for (const cleanup of cleanups) await cleanup();
      await server.close();
      await database.close();
    },
  };
}
