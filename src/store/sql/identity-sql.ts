import type { UserRecord, UserStore } from '../../identity/store';
import type { AuditEvent, AuditEventName, AuditStore } from '../../telemetry/audit-store';
import { compiledOnce } from './compiled-once';
import type { SqlDatabase } from './database';
import type { AuditEventTable, UserTable } from './schema';

function toUser(row: UserTable): UserRecord {
  return {
    id: row.id,
    identityKey: row.identity_key,
    emailHash: row.email_hash,
    sealed: row.sealed,
    tokensSealed: row.tokens_sealed,
    tokensVersion: Number(row.tokens_version),
    createdAt: Number(row.created_at),
    lastLoginAt: Number(row.last_login_at),
    lastCheckedAt: Number(row.last_checked_at),
    sessionsValidAfter: Number(row.sessions_valid_after),
    blockedAt: row.blocked_at === null || row.blocked_at === undefined ? null : Number(row.blocked_at),
  };
}

export function createSqlUserStore({ db }: SqlDatabase): UserStore {
  return {
    async get(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUser(row);
    },
    async findByIdentity(identityKey) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('identity_key', '=', identityKey)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async findByEmailHash(emailHash) {
      const rows = await db.selectFrom('users').selectAll().where('email_hash', '=', emailHash).execute();
      return rows.map(toUser);
    },
    async save(user) {
      const row: UserTable = {
        id: user.id,
        identity_key: user.identityKey,
        email_hash: user.emailHash,
        sealed: user.sealed,
        tokens_sealed: user.tokensSealed,
        tokens_version: user.tokensVersion,
        created_at: user.createdAt,
        last_login_at: user.lastLoginAt,
        last_checked_at: user.lastCheckedAt,
        sessions_valid_after: user.sessionsValidAfter,
      };
      const { id: _id, identity_key: _key, created_at: _created, ...changes } = row;
      await db
        .insertInto('users')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .execute();
    },
    async updateTokens(id, expectedVersion, tokensSealed, checkedAt, profile) {
      const result = await db
        .updateTable('users')
        .set({
          tokens_sealed: tokensSealed,
          tokens_version: expectedVersion + 1,
          last_checked_at: checkedAt,
          ...(profile ? { sealed: profile.sealed, email_hash: profile.emailHash } : {}),
        })
        .where('id', '=', id)
        .where('tokens_version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async list(limit, offset) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .orderBy('last_login_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(toUser);
    },
    async setBlocked(id, at) {
      const result = await db
        .updateTable('users')
        .set({ blocked_at: at })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async endSessionsBefore(id, at) {
      await db.updateTable('users').set({ sessions_valid_after: at }).where('id', '=', id).execute();
    },
    async listStale(before, limit) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('tokens_sealed', 'is not', null)
        .where('last_checked_at', '<', before)
        .orderBy('last_checked_at')
        .limit(limit)
        .execute();
      return rows.map(toUser);
    },
  };
}

function toEvent(row: AuditEventTable): AuditEvent {
  return {
    id: row.id,
    at: Number(row.at),
    event: row.event as AuditEventName,
    userId: row.user_id,
    clientId: row.client_id,
    resource: row.resource,
    ip: row.ip,
    reason: row.reason,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

export function createSqlAuditStore({ db }: SqlDatabase): AuditStore {
  // One insert per token grant and sign-in: compiled once.
  const insertEvent = compiledOnce(
    db,
    [
      '\u0000id',
      -1.5,
      '\u0000event',
      '\u0000user',
      '\u0000client',
      '\u0000res',
      '\u0000ip',
      '\u0000why',
      '{}',
    ],
    (
      id: string,
      at: number,
      event: string,
      userId: string | null,
      clientId: string | null,
      resource: string | null,
      ip: string | null,
      reason: string | null,
      details: string,
    ) =>
      db.insertInto('audit_events').values({
        id,
        at,
        event,
        user_id: userId,
        client_id: clientId,
        resource,
        ip,
        reason,
        details,
      }),
  );
  return {
    async append(event) {
      await insertEvent(
        event.id,
        event.at,
        event.event,
        event.userId,
        event.clientId,
        event.resource,
        event.ip,
        event.reason,
        JSON.stringify(event.details),
      );
    },
    async appendMany(events) {
      if (events.length === 0) return;
      await db
        .insertInto('audit_events')
        .values(
          events.map((event) => ({
            id: event.id,
            at: event.at,
            event: event.event,
            user_id: event.userId,
            client_id: event.clientId,
            resource: event.resource,
            ip: event.ip,
            reason: event.reason,
            details: JSON.stringify(event.details),
          })),
        )
        .execute();
    },
    async query(filter) {
      let query = db.selectFrom('audit_events').selectAll();
      if (filter.userIds) {
        if (filter.userIds.length === 0) return [];
        query = query.where('user_id', 'in', filter.userIds);
      }
      if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
      if (filter.events) {
        if (filter.events.length === 0) return [];
        query = query.where('event', 'in', filter.events);
      }
      if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('at', '<', filter.until);
      if (filter.before) query = query.where('id', '<', filter.before);
      const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toEvent);
    },
    async since(at, limit, after) {
      let query = db.selectFrom('audit_events').selectAll().where('at', '>=', at);
      if (after) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(toEvent);
    },
  };
}

/** Deletes audit events older than the retention period. */
export async function purgeAuditEvents({ db }: SqlDatabase, before: number): Promise<number> {
  const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
