import { Hono } from 'hono';
import type { GatehouseConfig } from './config';
import { decodeKey } from './config';
import { createKeyRing, importHmacKey, utf8 } from './crypto';
import { createEchoMcpHandler } from './demo/echo-server';
import { type AppEnv, createApp, listen, type RunningServer } from './http';
import { createIdentityGuard, createUpstreamProviders, createUserDirectory } from './identity';
import { createCookieJar } from './identity/cookies';
import { type IdentityDeps, identityRoutes } from './identity/routes';
import { createSessionManager } from './identity/session';
import { createNodeOutbound, type OutboundDeps } from './lib/net/safe-fetch';
import { accountRoutes } from './oauth/account-routes';
import { createClientRegistry } from './oauth/clients';
import type { AuthorizationServerDeps } from './oauth/deps';
import type { ProtectedResource } from './oauth/resource';
import { oauthRoutes } from './oauth/routes';
import { revokeUserGrants } from './oauth/token';
import { STYLESHEET } from './pages/style';
import { resourceRoutes } from './resource/routes';
import { createAccessTokenVerifier } from './resource/verify';
import {
  createSqlAuditStore,
  createSqlClientStore,
  createSqlCodeStore,
  createSqlEphemeralStore,
  createSqlGrantStore,
  createSqlTokenStore,
  createSqlUserStore,
  openDatabase,
  purgeAuditEvents,
  type SqlDatabase,
  sweepExpired,
} from './store';
import { createAuditLog, createLogger, type Logger } from './telemetry';

export interface Gatehouse {
  url: string;
  server: RunningServer;
  /** the open database (tests inspect what was stored) */
  database: SqlDatabase;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  sweepIntervalMs?: number;
  /** Outbound DNS and connections for fetched metadata; tests inject their own. */
  outbound?: OutboundDeps;
  /** fetch used to talk to identity providers; tests may inject one */
  identityFetch?: typeof fetch;
}

export function protectedResources(config: GatehouseConfig): ProtectedResource[] {
  const origin = new URL(config.issuer).origin;
  return config.resources.map((resource) => ({ ...resource, uri: `${origin}${resource.path}` }));
}

/** The composition root: config -> stores -> concerns -> Hono app -> listening server. Nothing else lives here. */
export async function startGatehouse(
  config: GatehouseConfig,
  options: StartOptions = {},
): Promise<Gatehouse> {
  const logger = options.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const now = options.now ?? Date.now;
  const database = openDatabase(config.database.url, { poolSize: config.database.poolSize });
  const applied = await database.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const keyRing = await createKeyRing(
    config.encryptionKeys.map((entry) => ({ id: entry.id, key: decodeKey(entry.key) ?? new Uint8Array() })),
  );
  const hmacKey = await importHmacKey(utf8.encode(config.secret));
  const ephemeral = createSqlEphemeralStore(database, now);
  const resources = protectedResources(config);
  const clients = createSqlClientStore(database);
  const tokens = createSqlTokenStore(database);
  const verifier = createAccessTokenVerifier({
    tokens,
    keyRing,
    now,
    cacheMs: config.tokens.verificationCacheSeconds * 1000,
  });

  const audit = createAuditLog({ store: createSqlAuditStore(database), logger, now });
  const directory = createUserDirectory({ store: createSqlUserStore(database), keyRing, hmacKey, now });
  const providers = createUpstreamProviders(config.identityProviders, {
    ...(options.identityFetch ? { fetch: options.identityFetch } : {}),
    now,
    timeoutMs: config.identity.timeoutSeconds * 1000,
    jwksCooldownMs: config.identity.jwksCooldownSeconds * 1000,
  });
  const guard = createIdentityGuard({
    directory,
    providers,
    policy: config.access,
    revokeUserGrants: (userId) => revokeUserGrants(oauth, userId),
    audit,
    logger,
    locks: ephemeral,
    now,
    recheckIntervalMs: config.identity.recheckIntervalSeconds * 1000,
  });

  const oauth: AuthorizationServerDeps = {
    issuer: config.issuer,
    resources,
    lifetimes: {
      accessMs: config.tokens.accessTokenTtlSeconds * 1000,
      refreshMs: config.tokens.refreshTokenTtlSeconds * 1000,
      codeMs: config.tokens.authorizationCodeTtlSeconds * 1000,
      refreshGraceMs: config.tokens.refreshGraceSeconds * 1000,
    },
    registration: {
      enabled: config.registration.enabled,
      allowPublicClients: config.registration.allowPublicClients,
      unusedExpiryMs: config.registration.unusedExpiryDays * 86_400_000,
    },
    cimdEnabled: config.cimd.enabled,
    registry: await createClientRegistry({
      staticClients: config.clients,
      store: clients,
      cache: ephemeral,
      cimd: config.cimd,
      outbound: options.outbound ?? createNodeOutbound(),
      now,
    }),
    clients,
    codes: createSqlCodeStore(database),
    grants: createSqlGrantStore(database),
    tokens,
    keyRing,
    hmacKey,
    now,
    audit,
    checkUserOnRefresh: (userId) => guard.checkOnRefresh(userId),
    onGrantRevoked: (grantId) => verifier.forgetGrant(grantId),
    onAccessTokenRevoked: (tokenHash) => verifier.forgetToken(tokenHash),
  };
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
        verifier,
        config.http.allowedOrigins,
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
    sweepIdentities(database, guard, config, now).then(
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

/**
 * The periodic sweep beyond expiry: re-validates users not checked recently with their IdP (drift) and
 * purges audit events past their retention. `gatehouse sweep` runs the same for cron.
 */
export async function sweepIdentities(
  database: SqlDatabase,
  guard: { sweepStaleUsers(staleMs: number, limit?: number): Promise<{ checked: number; revoked: number }> },
  config: GatehouseConfig,
  now: () => number,
): Promise<{ checked: number; revoked: number; auditPurged: number }> {
  const users = await guard.sweepStaleUsers(config.identity.staleUserSeconds * 1000);
  const auditPurged = await purgeAuditEvents(database, now() - config.audit.retentionDays * 86_400_000);
  return { ...users, auditPurged };
}
