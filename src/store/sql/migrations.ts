import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * The one migration set, for SQLite and PostgreSQL alike. Append only: never edit a migration that shipped.
 * Types are kept to those both dialects share (text, integer, bigint).
 */
const migrations: Record<string, Migration> = {
  '0001_ephemeral': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ephemeral_values')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('ephemeral_values_expires_at')
        .on('ephemeral_values')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('ephemeral_counters')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('count', 'integer', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('ephemeral_counters_expires_at')
        .on('ephemeral_counters')
        .column('expires_at')
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
