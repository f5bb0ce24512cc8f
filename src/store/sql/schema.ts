/**
 * Kysely table types. Every timestamp is milliseconds since the epoch (bigint in PostgreSQL,
 * integer in SQLite). See docs/storage-schema.md for what each column holds.
 */
export interface EphemeralValueTable {
  key: string;
  value: string;
  expires_at: number;
}

export interface EphemeralCounterTable {
  key: string;
  count: number;
  expires_at: number;
}

export interface Database {
  ephemeral_values: EphemeralValueTable;
  ephemeral_counters: EphemeralCounterTable;
}
