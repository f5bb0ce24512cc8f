import type { UserDirectory } from '../identity';
import type { UserRecord } from '../identity/store';
import type { AuthorizationServerDeps } from '../oauth/deps';
import { userHash } from '../oauth/issue';
import { type PatDeps, patOwner } from '../resource/pat';
import type { AuditLog } from '../telemetry';

export interface UserAdminDeps {
  directory: UserDirectory;
  oauth: Pick<AuthorizationServerDeps, 'grants' | 'hmacKey'>;
  pats: PatDeps;
  /** the user's hub connections (absent when the hub is off) */
  connections?: (userId: string) => Promise<number>;
  /** revokes grants, personal access tokens and hub connections; how many went */
  revokeEverything(userId: string, reason: 'admin'): Promise<number>;
  audit: AuditLog;
  now(): number;
}

export interface UserRow {
  id: string;
  email: string;
  idp: string;
  /** the latest of the last sign-in and the last use of any grant */
  lastSeenAt: number;
  grants: number;
  pats: number;
  /** undefined when the hub is off */
  connections: number | undefined;
  blocked: boolean;
}

/** Users (a page, or those found by email) with what each holds. */
export async function userRows(deps: UserAdminDeps, records: readonly UserRecord[]): Promise<UserRow[]> {
  return Promise.all(
    records.map(async (record) => {
      const profile = await deps.directory.profile(record);
      const grants = await deps.oauth.grants.listByUser(await userHash(deps.oauth, record.id), deps.now());
      const lastUse = Math.max(record.lastLoginAt, ...grants.map((grant) => grant.lastUsedAt));
      return {
        id: record.id,
        email: profile.email.toLowerCase(),
        idp: profile.idp,
        lastSeenAt: lastUse,
        grants: grants.length,
        // Counted from the store: nothing to decrypt for a number.
        pats: (await deps.pats.store.listByUser(await patOwner(deps.pats, record.id), deps.now())).length,
        connections: deps.connections ? await deps.connections(record.id) : undefined,
        blocked: Boolean(record.blockedAt),
      };
    }),
  );
}

export type UserAction = 'revoke' | 'block' | 'unblock';

/**
 * An admin's action on a user. *revoke* ends everything the user holds (grants, tokens, connections,
 * browser sessions) — they may sign in again; *block* does the same and refuses every sign-in until
 * *unblock*. Audited with the admin as `by`.
 */
export async function actOnUser(
  deps: UserAdminDeps,
  action: UserAction,
  userId: string,
  adminId: string,
): Promise<{ ok: true; revoked: number } | { ok: false; reason: 'not_found' | 'self' }> {
  const record = await deps.directory.get(userId);
  if (!record) return { ok: false, reason: 'not_found' };
  // An admin cannot lock themself out from the page that would let them undo it.
  if (action === 'block' && userId === adminId) return { ok: false, reason: 'self' };
  if (action === 'unblock') {
    await deps.directory.setBlocked(userId, null);
    await deps.audit.record({ event: 'admin.user.unblocked', userId, details: { by: adminId } });
    return { ok: true, revoked: 0 };
  }
  // Blocked first: a sign-in racing the revocation cannot start a new session after it.
  if (action === 'block') await deps.directory.setBlocked(userId, deps.now());
  const revoked = await deps.revokeEverything(userId, 'admin');
  await deps.directory.endEverything(userId);
  await deps.audit.record({
    event: action === 'block' ? 'admin.user.blocked' : 'admin.user.revoked',
    userId,
    details: { by: adminId, revoked },
  });
  return { ok: true, revoked };
}
