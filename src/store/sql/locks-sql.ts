import { randomId } from '../../crypto';
import type { LockStore } from '../locks';
import type { SqlDatabase } from './database';

/** Leases as rows of `ephemeral_values` under a `lock:` prefix: the value is the holder's token. */
export function createSqlLockStore(database: SqlDatabase, now: () => number = Date.now): LockStore {
  const { db } = database;
  return {
    async acquire(key, ttlMs) {
      const at = now();
      const token = randomId(16);
      // One statement: inserted when absent, taken over when expired, untouched (no row back) when held.
      const row = await db
        .insertInto('ephemeral_values')
        .values({ key: `lock:${key}`, value: token, expires_at: at + ttlMs })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ value: token, expires_at: at + ttlMs })
            .where('ephemeral_values.expires_at', '<=', at),
        )
        .returning('value')
        .executeTakeFirst();
      return row?.value === token ? token : undefined;
    },
    async release(key, token) {
      await db
        .deleteFrom('ephemeral_values')
        .where('key', '=', `lock:${key}`)
        .where('value', '=', token)
        .execute();
    },
  };
}
