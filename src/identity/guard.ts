import type { LockStore } from '../store';
import type { AuditLog, Logger } from '../telemetry';
import type { Profile, UserDirectory } from './directory';
import type { UpstreamTokens } from './identity';
import { type AccessPolicy, evaluateAccess } from './policy';
import type { UserRecord } from './store';
import type { UpstreamProvider } from './upstream/types';

/** Why a user's grants were revoked. */
export type DriftReason = 'email_changed' | 'subject_changed' | 'policy' | 'idp_refused';

export interface IdentityGuardDeps {
  directory: UserDirectory;
  providers: ReadonlyMap<string, UpstreamProvider>;
  policy: AccessPolicy;
  /** Revokes every grant (and so every token) of the user; returns how many. */
  revokeUserGrants(userId: string): Promise<number>;
  audit: AuditLog;
  logger: Logger;
  /** the cross-instance lease that makes an upstream refresh single-flight */
  locks: LockStore;
  now: () => number;
  recheckIntervalMs: number;
}

/** The user has no usable upstream token and must sign in again (401). */
export class UpstreamTokenUnavailable extends Error {
  override name = 'UpstreamTokenUnavailable';
}

/** The identity provider could not be asked right now (down, slow, busy elsewhere): a 502, not a sign-in. */
export class IdentityProviderUnavailable extends Error {
  override name = 'IdentityProviderUnavailable';
}

const EXPIRY_MARGIN_MS = 60_000;
const LEASE_MS = 30_000;

/**
 * Identity drift and revocation hygiene (DESIGN §5). Re-validates users with their IdP (at refresh-token use,
 * throttled; and from the sweep), revokes everything of a user whose identity changed or whom the IdP or the
 * policy no longer accepts, and hands out the user's upstream access token, refreshed single-flight.
 */
export function createIdentityGuard(deps: IdentityGuardDeps) {
  const inFlight = new Map<string, Promise<string>>();

  async function revokeUser(userId: string, reason: DriftReason, hint: string): Promise<void> {
    const grants = await deps.revokeUserGrants(userId);
    await deps.directory.endEverything(userId);
    deps.logger.warn(
      { event: 'drift.revoked', user: userId, reason, hint, grants },
      'identity drift: user revoked',
    );
    await deps.audit.record({ event: 'drift.revoked', userId, reason, details: { grants } });
  }

  /** Compares what the IdP says now with what it said before; revokes on drift. True while the user is fine. */
  async function judge(userId: string, before: Profile, now: Profile): Promise<boolean> {
    if (now.subject !== before.subject) {
      await revokeUser(userId, 'subject_changed', 'subject');
      return false;
    }
    if (now.email.trim().toLowerCase() !== before.email.trim().toLowerCase()) {
      await revokeUser(userId, 'email_changed', 'email');
      return false;
    }
    const provider = deps.providers.get(before.idp);
    const decision = provider
      ? evaluateAccess(deps.policy, provider.settings, now)
      : { admitted: true as const };
    if (!decision.admitted) {
      await revokeUser(userId, 'policy', decision.reason);
      return false;
    }
    return true;
  }

  /** Asks the IdP again. Returns false when the user was revoked; an unreachable IdP revokes nothing. */
  async function revalidate(
    userId: string,
  ): Promise<{ ok: boolean; accessToken?: string; unavailable?: true }> {
    const record = await deps.directory.get(userId);
    if (!record) return { ok: false };
    const tokens = await deps.directory.tokens(record);
    const profile = await deps.directory.profile(record);
    const provider = deps.providers.get(profile.idp);
    if (!tokens || !provider) return { ok: true };
    const outcome = await provider.revalidate(profile, tokens);
    switch (outcome.kind) {
      case 'refused':
        await revokeUser(userId, 'idp_refused', outcome.hint);
        return { ok: false };
      case 'unavailable':
        deps.logger.warn(
          { user: userId, idp: profile.idp, hint: outcome.hint },
          'identity provider unavailable',
        );
        return { ok: true, unavailable: true };
      case 'unsupported':
        await deps.directory.updateTokens(record, tokens);
        return { ok: true };
      case 'valid': {
        const fresh: Profile = outcome.identity;
        if (!(await judge(userId, profile, fresh))) return { ok: false };
        if (await deps.directory.updateTokens(record, outcome.tokens, fresh))
          return { ok: true, accessToken: outcome.tokens.accessToken };
        // Another instance refreshed first: its tokens are the current ones.
        const latest = await deps.directory.get(userId);
        const current = latest && (await deps.directory.tokens(latest));
        return current ? { ok: true, accessToken: current.accessToken } : { ok: false };
      }
    }
  }

  /** One refresh per user at a time: in this process by a shared promise, across instances by a lease. */
  async function refreshSingleFlight(userId: string): Promise<string> {
    const running = inFlight.get(userId);
    if (running) return running;
    const task = (async () => {
      const leaseKey = `upstream-refresh:${userId}`;
      const lease = await deps.locks.acquire(leaseKey, LEASE_MS);
      if (!lease) return waitForOtherInstance(userId);
      let result: Awaited<ReturnType<typeof revalidate>>;
      try {
        result = await revalidate(userId);
      } finally {
        await deps.locks.release(leaseKey, lease);
      }
      if (result.unavailable)
        throw new IdentityProviderUnavailable('the identity provider could not be reached');
      if (!result.ok || !result.accessToken)
        throw new UpstreamTokenUnavailable(
          'the identity provider no longer accepts this user; sign in again',
        );
      return result.accessToken;
    })().finally(() => inFlight.delete(userId));
    inFlight.set(userId, task);
    return task;
  }

  async function waitForOtherInstance(userId: string): Promise<string> {
    const deadline = deps.now() + LEASE_MS;
    while (deps.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const token = await usableToken(await deps.directory.get(userId));
      if (token) return token;
    }
    throw new IdentityProviderUnavailable(
      'timed out waiting for another instance to refresh the upstream token',
    );
  }

  /** The access token of a user record while it is not (nearly) expired. */
  async function usableToken(record: UserRecord | undefined): Promise<string | undefined> {
    const tokens: UpstreamTokens | undefined = record && (await deps.directory.tokens(record));
    if (!tokens) return undefined;
    if (tokens.expiresAt === undefined || tokens.expiresAt > deps.now() + EXPIRY_MARGIN_MS)
      return tokens.accessToken;
    return undefined;
  }

  return {
    revokeUser,
    judge,
    revalidate,

    /** At refresh-token use: re-validate when the last check is older than the interval. */
    async checkOnRefresh(userId: string): Promise<boolean> {
      const record = await deps.directory.get(userId);
      if (!record) return false; // the user no longer exists: the grant must not live on
      if (!record.tokensSealed || deps.now() - record.lastCheckedAt < deps.recheckIntervalMs) return true;
      return (await revalidate(userId)).ok;
    },

    /** The user's IdP access token for upstream calls, refreshed single-flight when (nearly) expired. */
    async upstreamAccessToken(userId: string): Promise<string> {
      const record = await deps.directory.get(userId);
      if (!record?.tokensSealed)
        throw new UpstreamTokenUnavailable('no upstream token is kept for this user');
      return (await usableToken(record)) ?? refreshSingleFlight(userId);
    },

    /** The sweep: re-validates users not checked for `staleMs`. Returns how many were checked and revoked. */
    async sweepStaleUsers(staleMs: number, limit = 50): Promise<{ checked: number; revoked: number }> {
      let checked = 0;
      let revoked = 0;
      for (const record of await staleUsers(staleMs, limit)) {
        checked++;
        if (!(await revalidate(record)).ok) revoked++;
      }
      return { checked, revoked };
    },
  };

  async function staleUsers(staleMs: number, limit: number): Promise<string[]> {
    return (await deps.directory.stale(deps.now() - staleMs, limit)).map((record) => record.id);
  }
}

export type IdentityGuard = ReturnType<typeof createIdentityGuard>;
