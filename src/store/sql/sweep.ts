import type { SqlDatabase } from './database';

const EXPIRING_TABLES = [
  'ephemeral_values',
  'ephemeral_counters',
  'oauth_codes',
  'oauth_access_tokens',
  'oauth_refresh_tokens',
  'oauth_grants',
] as const;

/** Deletes every expired row, table by table. Returns rows removed per table. */
export async function sweepExpired(database: SqlDatabase, at: number): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const table of EXPIRING_TABLES) {
    const result = await database.db.deleteFrom(table).where('expires_at', '<=', at).executeTakeFirst();
    removed[table] = Number(result.numDeletedRows);
  }
  // Unused dynamically registered clients expire; static ones have no expiry.
  const clients = await database.db
    .deleteFrom('oauth_clients')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  removed.oauth_clients = Number(clients.numDeletedRows);
  // Personal access tokens may have no expiry (when the configuration allows it).
  const pats = await database.db
    .deleteFrom('personal_access_tokens')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  removed.personal_access_tokens = Number(pats.numDeletedRows);
  // A kept refresh answer serves only the grace (at most 300 s): nothing needs it after that.
  const answers = await database.db
    .updateTable('oauth_refresh_tokens')
    .set({ successor_answer: null })
    .where('successor_answer', 'is not', null)
    .where('rotated_at', '<=', at - 300_000)
    .executeTakeFirst();
  removed.refresh_answers = Number(answers.numUpdatedRows);
  return removed;
}
