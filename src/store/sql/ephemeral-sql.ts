import { sql } from 'kysely';
import type { EphemeralStore } from '../ephemeral';
import type { SqlDatabase } from './database';

export function createSqlEphemeralStore(database: SqlDatabase, now: () => number = Date.now): EphemeralStore {
  const { db } = database;
  return {
    async get(key) {
      const row = await db
        .selectFrom('ephemeral_values')
        .select('value')
        .where('key', '=', key)
        .where('expires_at', '>', now())
        .executeTakeFirst();
      return row?.value;
    },

    async set(key, value, ttlMs) {
      const expiresAt = now() + ttlMs;
      await db
        .insertInto('ephemeral_values')
        .values({ key, value, expires_at: expiresAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, expires_at: expiresAt }))
        .execute();
    },

    async delete(key) {
      await db.deleteFrom('ephemeral_values').where('key', '=', key).execute();
    },

    async take(key) {
      // DELETE ... RETURNING is one statement: the row lock (PostgreSQL) or the write lock (SQLite)
      // lets exactly one caller see the row.
      const row = await db
        .deleteFrom('ephemeral_values')
        .where('key', '=', key)
        .where('expires_at', '>', now())
        .returning('value')
        .executeTakeFirst();
      return row?.value;
    },

    async increment(key, ttlMs, by = 1) {
      const at = now();
      const row = await db
        .insertInto('ephemeral_counters')
        .values({ key, count: by, expires_at: at + ttlMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when ephemeral_counters.expires_at <= ${at} then excluded.count else ephemeral_counters.count + excluded.count end`,
            expires_at: sql<number>`case when ephemeral_counters.expires_at <= ${at} then excluded.expires_at else ephemeral_counters.expires_at end`,
          }),
        )
        .returning(['count', 'expires_at'])
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), expiresAt: Number(row.expires_at) };
    },
  };
}
