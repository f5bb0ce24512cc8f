import type { OAuthTokens } from '@modelcontextprotocol/client';
import { type HmacKey, hmacSha256, type KeyRing, randomId } from '../../crypto';
import type { LockStore } from '../../store';
import type { AuditLog, Logger } from '../../telemetry';
import type { UpstreamCredential } from '../proxy';
import type { CatalogEntry } from './catalog';
import { configuredCredential } from './credentials';
import type { ConnectionRecord, ConnectionStore } from './store';
import { reason } from './upstream-errors';
import {
  UpstreamAuthError,
  type UpstreamClient,
  type UpstreamOAuth,
  type UpstreamServer,
} from './upstream-oauth';

/** What a connection's sealed column holds: never stored or logged in clear. */
export interface ConnectionSecret {
  userId: string;
  server: UpstreamServer;
  client: UpstreamClient;
  accessToken: string;
  refreshToken?: string | undefined;
  tokenType: string;
}

export interface VaultDeps {
  store: ConnectionStore;
  oauth: UpstreamOAuth;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  locks: LockStore;
  audit: AuditLog;
  logger: Logger;
  now(): number;
  /** refresh this long before the upstream access token expires */
  refreshBeforeMs: number;
  /** the sign-in IdP token of a user (auth type user-idp-token) */
  idpToken(userId: string): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  /** called when a user's connections change (the hub drops their cached lists) */
  onChange?: (userId: string) => void;
}

const LOCK_TTL_MS = 30_000;
const WAIT_FOR_PEER_MS = 10_000;

/**
 * The token vault: each user's upstream credentials, sealed with AES-GCM under the key ring and bound (as
 * associated data) to the user and the entry, so a row copied to another user or entry does not open.
 * Refreshes are single-flight per connection in a process (one promise) and across instances (a lease;
 * the loser waits for the winner's row) and written compare-and-set.
 */
export function createVault(deps: VaultDeps) {
  const inFlight = new Map<string, Promise<ConnectionSecret>>();
  const userHash = (userId: string) => hmacSha256(deps.hmacKey, `hub-user|${userId}`);
  const binding = (record: Pick<ConnectionRecord, 'userHash' | 'slug'>) =>
    `hub|${record.userHash}|${record.slug}`;
  const seal = (record: Pick<ConnectionRecord, 'userHash' | 'slug'>, secret: ConnectionSecret) =>
    deps.keyRing.encrypt(JSON.stringify(secret), binding(record));
  const open = async (record: ConnectionRecord): Promise<ConnectionSecret> =>
    JSON.parse(await deps.keyRing.decrypt(record.sealed, binding(record)));
  const expiry = (tokens: OAuthTokens) =>
    typeof tokens.expires_in === 'number' ? deps.now() + tokens.expires_in * 1000 : null;

  async function refreshed(record: ConnectionRecord): Promise<ConnectionSecret> {
    const running = inFlight.get(record.id);
    if (running) return running;
    const work = refreshAcrossInstances(record).finally(() => inFlight.delete(record.id));
    inFlight.set(record.id, work);
    return work;
  }

  async function refreshAcrossInstances(record: ConnectionRecord): Promise<ConnectionSecret> {
    const lockKey = `hub-refresh:${record.id}`;
    const lease = await deps.locks.acquire(lockKey, LOCK_TTL_MS);
    if (!lease) return waitForPeer(record);
    try {
      // Another instance may have refreshed between our read and the lease.
      const current = await deps.store.get(record.userHash, record.slug);
      if (current?.status !== 'active') throw new ConnectionUnusable(current?.lastError ?? 'disconnected');
      const secret = await open(current);
      if (current.sealed !== record.sealed && !expiringSoon(current)) return secret;
      if (!secret.refreshToken) return secret;
      let tokens: OAuthTokens;
      try {
        tokens = await deps.oauth.refresh(secret.server, secret.client, secret.refreshToken);
      } catch (error) {
        const code = error instanceof UpstreamAuthError ? error.oauthError : undefined;
        await deps.audit.record({
          event: code === 'invalid_grant' ? 'hub.connection_broken' : 'hub.refresh_failed',
          userId: secret.userId,
          resource: current.slug,
          reason: code ?? 'upstream_error',
        });
        if (code === 'invalid_grant') {
          await deps.store.markBroken(
            current.id,
            'the upstream no longer accepts this connection',
            deps.now(),
          );
          deps.onChange?.(secret.userId);
          throw new ConnectionUnusable('the upstream no longer accepts this connection');
        }
        throw error;
      }
      const next: ConnectionSecret = {
        ...secret,
        accessToken: tokens.access_token,
        // RFC 6749 §6: a server that does not rotate keeps the old refresh token valid.
        refreshToken: tokens.refresh_token ?? secret.refreshToken,
        tokenType: tokens.token_type || 'Bearer',
      };
      await deps.store.replaceSecret(current.id, current.sealed, {
        sealed: await seal(current, next),
        expiresAt: expiry(tokens),
        scopes: tokens.scope ?? current.scopes,
        updatedAt: deps.now(),
      });
      return next;
    } finally {
      await deps.locks.release(lockKey, lease);
    }
  }

  /** Another instance holds the lease: wait for its new credential rather than refreshing twice. */
  async function waitForPeer(record: ConnectionRecord): Promise<ConnectionSecret> {
    const until = deps.now() + WAIT_FOR_PEER_MS;
    while (deps.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const current = await deps.store.get(record.userHash, record.slug);
      if (current?.status !== 'active') throw new ConnectionUnusable(current?.lastError ?? 'disconnected');
      if (current.sealed !== record.sealed) return open(current);
    }
    throw new UpstreamAuthError('the upstream token is being refreshed by another instance; try again');
  }

  const expiringSoon = (record: ConnectionRecord) =>
    record.expiresAt !== null && record.expiresAt - deps.refreshBeforeMs <= deps.now();

  const header = (name: string, value: string): UpstreamCredential => ({ ok: true, header: { name, value } });

  return {
    userHash,

    /** Stores a new (or upgraded) connection from a finished authorization. */
    async connect(
      userId: string,
      entry: CatalogEntry,
      server: UpstreamServer,
      client: UpstreamClient,
      tokens: OAuthTokens,
      asked: string[],
    ) {
      const hash = await userHash(userId);
      const secret: ConnectionSecret = {
        userId,
        server,
        client,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        tokenType: tokens.token_type || 'Bearer',
      };
      const at = deps.now();
      const record = { userHash: hash, slug: entry.slug };
      const previous = await deps.store.get(hash, entry.slug);
      await deps.store.put({
        id: previous?.id ?? randomId(16),
        ...record,
        status: 'active',
        scopes: tokens.scope ?? asked.join(' '),
        sealed: await seal(record, secret),
        expiresAt: expiry(tokens),
        createdAt: previous?.createdAt ?? at,
        updatedAt: at,
        lastError: null,
      });
      deps.onChange?.(userId);
    },

    /** Revokes at the upstream (RFC 7009, when offered), then forgets the connection. */
    async disconnect(
      userId: string,
      slug: string,
      reason: 'user' | 'drift' | 'admin',
    ): Promise<{ found: boolean; revokedUpstream: boolean }> {
      const record = await deps.store.get(await userHash(userId), slug);
      if (!record) return { found: false, revokedUpstream: false };
      let revokedUpstream = false;
      try {
        const secret = await open(record);
        const token = secret.refreshToken ?? secret.accessToken;
        revokedUpstream = await deps.oauth.revoke(
          secret.server,
          secret.client,
          token,
          secret.refreshToken ? 'refresh_token' : 'access_token',
        );
      } catch (error) {
        deps.logger.warn(
          { err: error, slug },
          'upstream revocation failed; the connection is deleted anyway',
        );
      }
      await deps.store.delete(record.id);
      deps.onChange?.(userId);
      await deps.audit.record({
        event: 'hub.disconnected',
        userId,
        resource: slug,
        reason,
        details: { revokedUpstream },
      });
      return { found: true, revokedUpstream };
    },

    async disconnectAll(userId: string, reason: 'drift' | 'admin'): Promise<number> {
      const records = await deps.store.listByUser(await userHash(userId));
      for (const record of records) await this.disconnect(userId, record.slug, reason);
      return records.length;
    },

    /** how many users connected each entry (admins' health view) */
    usersPerEntry: () => deps.store.countBySlug(),

    async list(userId: string): Promise<ConnectionRecord[]> {
      return deps.store.listByUser(await userHash(userId));
    },

    /** The header the upstream gets for this user, by the entry's auth type; refreshed when about to expire. */
    async credential(userId: string, entry: CatalogEntry): Promise<UpstreamCredential> {
      const auth = entry.auth;
      switch (auth.type) {
        case 'none':
        case 'shared':
        case 'headers':
        case 'user-idp-token':
          return configuredCredential(entry, auth, deps.env, () => deps.idpToken(userId));
        case 'oauth': {
          const record = await deps.store.get(await userHash(userId), entry.slug);
          if (!record)
            return {
              ok: false,
              httpStatus: 401,
              message: `connect ${entry.name} first (Connections page of this Gatehouse)`,
            };
          if (record.status !== 'active')
            return {
              ok: false,
              httpStatus: 401,
              message: `your connection to ${entry.name} is broken (${record.lastError ?? 'refused'}): reconnect it`,
            };
          try {
            const secret = expiringSoon(record) ? await refreshed(record) : await open(record);
            return header('authorization', `Bearer ${secret.accessToken}`);
          } catch (error) {
            if (error instanceof ConnectionUnusable)
              return {
                ok: false,
                httpStatus: 401,
                message: `your connection to ${entry.name} is broken (${error.message}): reconnect it`,
              };
            deps.logger.warn({ err: error, slug: entry.slug }, 'upstream token refresh failed');
            return {
              ok: false,
              httpStatus: 502,
              message: `${entry.name}'s authorization server could not refresh your token: ${reason(error)}`,
            };
          }
        }
      }
    },

    /** The sweep: refreshes connections about to expire (broken ones are flagged by the refresh). */
    async refreshExpiring(limit = 100): Promise<{ refreshed: number; failed: number }> {
      const due = await deps.store.listExpiring(deps.now() + deps.refreshBeforeMs, limit);
      let failed = 0;
      for (const record of due)
        await refreshed(record).catch(() => {
          failed += 1;
        });
      return { refreshed: due.length - failed, failed };
    },
  };
}

export type Vault = ReturnType<typeof createVault>;

class ConnectionUnusable extends Error {
  override name = 'ConnectionUnusable';
}
