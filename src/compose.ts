import { adminApiResource } from './admin/admin-guard';
import type { GatehouseConfig } from './config';
import { decodeKey } from './config';
import { createKeyRing, importHmacKey, utf8 } from './crypto';
import { hubResourceConfig } from './gateway/hub/resource';
import { createIdentityGuard, createUpstreamProviders, createUserDirectory } from './identity';
import { createScopePolicy } from './identity/scope-policy';
import { createNodeOutbound, type OutboundDeps } from './lib/net/safe-fetch';
import { createClientBlocks } from './oauth/client-blocks';
import { createClientKeySource } from './oauth/client-keys';
import { createClientRegistry } from './oauth/clients';
import type { AuthorizationServerDeps } from './oauth/deps';
import type { ProtectedResource } from './oauth/resource';
import { revokeUserGrants } from './oauth/token';
import { playgroundClient } from './playground/client-document';
import { createBearerAuthenticator } from './resource/authenticate';
import { type PatDeps, revokeUserPats } from './resource/pat';
import { createAccessTokenVerifier } from './resource/verify';
import {
  createSqlAuditStore,
  createSqlClientBlockStore,
  createSqlClientStore,
  createSqlCodeStore,
  createSqlEphemeralStore,
  createSqlGrantStore,
  createSqlLockStore,
  createSqlPatStore,
  createSqlTokenStore,
  createSqlUserStore,
  openDatabase,
  purgeAuditEvents,
  type SqlDatabase,
  sweepExpired,
} from './store';
import {
  createAuditLog,
  createLogger,
  createMetrics,
  createTracing,
  type Logger,
  noMetrics,
  noTracing,
} from './telemetry';

export interface CoreOptions {
  logger?: Logger;
  now?: () => number;
  /** Outbound DNS and connections for fetched metadata; tests inject their own. */
  outbound?: OutboundDeps;
  /** fetch used to talk to identity providers; tests may inject one */
  identityFetch?: typeof fetch;
  /** an opened database instead of `config.database.url` (tests: a PostgreSQL schema of their own) */
  database?: SqlDatabase;
}

export function protectedResources(config: GatehouseConfig): ProtectedResource[] {
  const origin = new URL(config.issuer).origin;
  const endpoints = config.hub.enabled
    ? [...config.resources, hubResourceConfig(config.hub)]
    : config.resources;
  // A byok endpoint is not an OAuth resource: no token of Gatehouse's is ever issued for it.
  return endpoints
    .filter((resource) => !resource.auth.includes('byok'))
    .map((resource) => ({
      path: resource.path,
      name: resource.name,
      scopes: resource.scopes,
      auth: resource.auth.filter((kind) => kind !== 'byok'),
      uri: `${origin}${resource.path}`,
    }));
}

/**
 * Config -> database -> stores -> concerns, without HTTP: what the server and the maintenance commands
 * (`gatehouse sweep`) share.
 */
export async function composeCore(config: GatehouseConfig, options: CoreOptions = {}) {
  const logger =
    options.logger ??
    createLogger({
      level: config.log.level,
      pretty: config.log.pretty,
      secrets: [config.secret, ...(config.serviceToken.token ? [config.serviceToken.token] : [])],
    });
  const now = options.now ?? Date.now;
  const database =
    options.database ?? openDatabase(config.database.url, { poolSize: config.database.poolSize });
  const applied = await database.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const keyRing = await createKeyRing(
    config.encryptionKeys.map((entry) => ({ id: entry.id, key: decodeKey(entry.key) ?? new Uint8Array() })),
  );
  const hmacKey = await importHmacKey(utf8.encode(config.secret));
  const ephemeral = createSqlEphemeralStore(database, now);
  const resources = protectedResources(config);
  const clients = createSqlClientStore(database);
  const clientBlocks = createClientBlocks(createSqlClientBlockStore(database), now);
  const tokens = createSqlTokenStore(database);
  const verifier = createAccessTokenVerifier({
    tokens,
    keyRing,
    now,
    cacheMs: config.tokens.verificationCacheSeconds * 1000,
  });

  const auditStore = createSqlAuditStore(database);
  // Off by default: when off, every count is a no-op on the hot path.
  const metrics = config.metrics.enabled ? createMetrics() : noMetrics;
  const tracing = config.tracing.enabled
    ? await createTracing({
        endpoint: config.tracing.endpoint,
        serviceName: config.tracing.serviceName,
        sampleRatio: config.tracing.sampleRatio,
      })
    : noTracing;
  /** more of a user to revoke on drift (the hub's connections), registered once the hub exists */
  const revocationHooks: Array<(userId: string, reason: 'drift' | 'admin') => Promise<number>> = [];
  /** Everything a user holds — grants, personal access tokens, hub connections; how many went. */
  const revokeEverything = async (userId: string, reason: 'drift' | 'admin') => {
    let revoked = (await revokeUserGrants(oauth, userId)) + (await revokeUserPats(pats, userId));
    for (const hook of revocationHooks) revoked += await hook(userId, reason);
    return revoked;
  };
  const audit = createAuditLog({ store: auditStore, logger, now, onEvent: (name) => metrics.event(name) });
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
    // A drifted user loses every grant, every personal access token and every hub connection.
    revokeUserGrants: (userId) => revokeEverything(userId, 'drift'),
    audit,
    logger,
    locks: createSqlLockStore(database, now),
    now,
    recheckIntervalMs: config.identity.recheckIntervalSeconds * 1000,
  });

  // Who may hold which scope: consent, refresh, PAT creation and use all ask it.
  const scopePolicy = createScopePolicy(resources, directory);
  const pats: PatDeps = {
    ...(scopePolicy ? { scopePolicy } : {}),
    store: createSqlPatStore(database),
    keyRing,
    hmacKey,
    now,
    // Admins may also make tokens for the admin API (checked at creation and at every use).
    resources: [...resources, adminApiResource(config.issuer)],
    policy: config.personalAccessTokens,
  };
  const authenticator = createBearerAuthenticator({
    oauth: verifier,
    pats,
    service: config.serviceToken,
    audit,
    logger,
  });

  const playground = playgroundClient(config.issuer);
  const outbound = options.outbound ?? createNodeOutbound();
  const oauth: AuthorizationServerDeps = {
    issuer: config.issuer,
    resources,
    lifetimes: {
      accessMs: config.tokens.accessTokenTtlSeconds * 1000,
      refreshMs: config.tokens.refreshTokenTtlSeconds * 1000,
      codeMs: config.tokens.authorizationCodeTtlSeconds * 1000,
      refreshGraceMs: config.tokens.refreshGraceSeconds * 1000,
      grantMaxMs: config.tokens.grantMaxLifetimeDays * 86_400_000,
    },
    registration: {
      enabled: config.registration.enabled,
      allowPublicClients: config.registration.allowPublicClients,
      unusedExpiryMs: config.registration.unusedExpiryDays * 86_400_000,
      maxPerIpPerHour: config.registration.maxPerIpPerHour,
      privateUseSchemes: config.registration.privateUseSchemes,
    },
    cimdEnabled: config.cimd.enabled,
    registry: await createClientRegistry({
      staticClients: config.clients,
      store: clients,
      cache: ephemeral,
      cimd: config.cimd,
      outbound,
      now,
      metadataPolicy: { privateUseSchemes: config.registration.privateUseSchemes },
      firstPartyDocuments: config.playground.enabled
        ? new Map([[playground.clientId, playground.document]])
        : new Map(),
      blocked: (clientId) => clientBlocks.refusal(clientId),
    }),
    clientAssertions: {
      keys: createClientKeySource({
        outbound,
        now,
        allowLoopback: config.cimd.allowLoopbackDocuments,
      }),
      replay: ephemeral,
      audiences: [`${config.issuer.replace(/\/$/, '')}/oauth/token`, config.issuer],
      now,
    },
    clients,
    codes: createSqlCodeStore(database),
    grants: createSqlGrantStore(database),
    tokens,
    keyRing,
    hmacKey,
    now,
    audit,
    checkUserOnRefresh: (userId) => guard.checkOnRefresh(userId),
    ...(scopePolicy ? { scopePolicy } : {}),
    onGrantRevoked: (grantId) => verifier.forgetGrant(grantId),
    onAccessTokenRevoked: (tokenHash) => verifier.forgetToken(tokenHash),
  };
  return {
    logger,
    now,
    database,
    keyRing,
    hmacKey,
    ephemeral,
    resources,
    verifier,
    audit,
    metrics,
    tracing,
    auditStore,
    directory,
    providers,
    guard,
    oauth,
    pats,
    authenticator,
    playground,
    outbound,
    revocationHooks,
    revokeEverything,
    clientBlocks,
  };
}

export type Core = Awaited<ReturnType<typeof composeCore>>;

/**
 * The periodic sweep beyond expiry: re-validates users not checked recently with their IdP (drift) and
 * purges audit events past their retention. `gatehouse sweep` runs the same for cron.
 */
export async function sweepIdentities(
  core: Pick<Core, 'database' | 'guard' | 'now'>,
  config: GatehouseConfig,
): Promise<{ checked: number; revoked: number; auditPurged: number }> {
  const users = await core.guard.sweepStaleUsers(config.identity.staleUserSeconds * 1000);
  const auditPurged = await purgeAuditEvents(
    core.database,
    core.now() - config.audit.retentionDays * 86_400_000,
  );
  return { ...users, auditPurged };
}

/** Everything the sweep does, once: expired rows, stale users, old audit events. */
export async function sweepOnce(core: Core, config: GatehouseConfig) {
  const expired = await sweepExpired(core.database, core.now());
  return { expired, ...(await sweepIdentities(core, config)) };
}
