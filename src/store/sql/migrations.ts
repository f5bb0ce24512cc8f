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
  '0002_oauth': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('oauth_clients')
        .addColumn('client_id', 'text', (col) => col.primaryKey())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('metadata', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_used_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema
        .createTable('oauth_grants')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_hash', 'text', (col) => col.notNull())
        .addColumn('client_id', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_used_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('oauth_grants_user')
        .on('oauth_grants')
        .columns(['user_hash', 'client_id'])
        .execute();
      await db.schema
        .createIndex('oauth_grants_expires_at')
        .on('oauth_grants')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('oauth_codes')
        .addColumn('code_hash', 'text', (col) => col.primaryKey())
        .addColumn('client_id', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('grant_id', 'text')
        .execute();
      await db.schema.createIndex('oauth_codes_expires_at').on('oauth_codes').column('expires_at').execute();
      await db.schema
        .createTable('oauth_access_tokens')
        .addColumn('token_hash', 'text', (col) => col.primaryKey())
        .addColumn('grant_id', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('oauth_access_tokens_grant')
        .on('oauth_access_tokens')
        .column('grant_id')
        .execute();
      await db.schema
        .createIndex('oauth_access_tokens_expires_at')
        .on('oauth_access_tokens')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('oauth_refresh_tokens')
        .addColumn('token_hash', 'text', (col) => col.primaryKey())
        .addColumn('grant_id', 'text', (col) => col.notNull())
        .addColumn('previous_hash', 'text')
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .addColumn('rotated_at', 'bigint')
        .addColumn('grace_used_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('oauth_refresh_tokens_grant')
        .on('oauth_refresh_tokens')
        .column('grant_id')
        .execute();
      await db.schema
        .createIndex('oauth_refresh_tokens_previous')
        .on('oauth_refresh_tokens')
        .column('previous_hash')
        .execute();
      await db.schema
        .createIndex('oauth_refresh_tokens_expires_at')
        .on('oauth_refresh_tokens')
        .column('expires_at')
        .execute();
    },
  },
  '0003_identity_audit': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('identity_key', 'text', (col) => col.notNull().unique())
        .addColumn('email_hash', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('tokens_sealed', 'text')
        .addColumn('tokens_version', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_login_at', 'bigint', (col) => col.notNull())
        .addColumn('last_checked_at', 'bigint', (col) => col.notNull())
        .addColumn('sessions_valid_after', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('users_email_hash').on('users').column('email_hash').execute();
      await db.schema.createIndex('users_last_checked_at').on('users').column('last_checked_at').execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('event', 'text', (col) => col.notNull())
        .addColumn('user_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('resource', 'text')
        .addColumn('ip', 'text')
        .addColumn('reason', 'text')
        .addColumn('details', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema
        .createIndex('audit_events_user')
        .on('audit_events')
        .columns(['user_id', 'id'])
        .execute();
      await db.schema
        .createIndex('audit_events_client')
        .on('audit_events')
        .columns(['client_id', 'id'])
        .execute();
    },
  },
  '0004_personal_access_tokens': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('personal_access_tokens')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('user_hash', 'text', (col) => col.notNull())
        .addColumn('prefix', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('personal_access_tokens_user')
        .on('personal_access_tokens')
        .column('user_hash')
        .execute();
      await db.schema
        .createIndex('personal_access_tokens_expires_at')
        .on('personal_access_tokens')
        .column('expires_at')
        .execute();
    },
  },
  '0005_token_lifecycle': {
    async up(db: Kysely<unknown>) {
      // The successor a rotation chose, set in the rotating UPDATE: a successor row is inserted only if
      // its parent still names it, so two parallel refreshes cannot both leave a live chain.
      await db.schema.alterTable('oauth_refresh_tokens').addColumn('successor_hash', 'text').execute();
      // A replay marks the code, so the exchange that won (and may still be running) revokes its own grant.
      await db.schema.alterTable('oauth_codes').addColumn('replayed_at', 'bigint').execute();
    },
  },
  '0006_refresh_retry_answer': {
    async up(db: Kysely<unknown>) {
      // The answer a rotation gave, sealed under a key derived from the rotated token itself: a client
      // that sends the same token again within the grace (in parallel, or after losing the answer) gets
      // the same tokens, not a fork. Unreadable without that token, which is stored only as a hash.
      await db.schema.alterTable('oauth_refresh_tokens').addColumn('successor_answer', 'text').execute();
    },
  },
  '0007_hub': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hub_catalog')
        .addColumn('slug', 'text', (col) => col.primaryKey())
        .addColumn('definition', 'text', (col) => col.notNull())
        .addColumn('source', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .addColumn('created_by', 'text')
        .addColumn('updated_by', 'text')
        .addColumn('deleted_at', 'bigint')
        .execute();
      await db.schema
        .createTable('hub_connections')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_hash', 'text', (col) => col.notNull())
        .addColumn('slug', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('scopes', 'text', (col) => col.notNull())
        .addColumn('sealed', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .addColumn('last_error', 'text')
        .addUniqueConstraint('hub_connections_user_slug', ['user_hash', 'slug'])
        .execute();
      await db.schema
        .createIndex('hub_connections_expires_at')
        .on('hub_connections')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('hub_upstream_clients')
        .addColumn('issuer', 'text', (col) => col.primaryKey())
        .addColumn('method', 'text', (col) => col.notNull())
        .addColumn('client_id', 'text', (col) => col.notNull())
        .addColumn('sealed_secret', 'text')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute();
    },
  },
  '0008_admin_blocks': {
    async up(db: Kysely<unknown>) {
      // An admin's block: no sign-in until unblocked (everything the user held is revoked at the block).
      await db.schema.alterTable('users').addColumn('blocked_at', 'bigint').execute();
      await db.schema
        .createTable('blocked_clients')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('created_by', 'text')
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
