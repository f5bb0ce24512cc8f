import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type PgModule from 'pg';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  /** PostgreSQL only: a schema to create and use (tests isolate themselves this way). */
  schema?: string;
}

/** `postgres://` or `postgresql://` selects PostgreSQL; `sqlite:PATH`, `sqlite::memory:` or a bare path SQLite. */
export function openDatabase(url: string, options: OpenOptions = {}): SqlDatabase {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  const path = url.replace(/^sqlite:/, '');
  return openSqlite(path === '' ? ':memory:' : path);
}

function openSqlite(path: string): SqlDatabase {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Owner-only, like the secrets: the file holds hashes, sealed data and the audit log. SQLite gives its
    // -wal and -shm files the database file's permissions.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const native = new SqliteDatabase(path);
  // exec, not pragma(): pragma() prepares a throwaway Statement (see retainedNativeObjects).
  native.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(native) }) });
  return wrap(db, 'sqlite');
}

/**
 * better-sqlite3 12 on Node 24 can abort the process when the GC collects a Statement or Database wrapper
 * (its ObjectWrap destructor runs without an Environment; fixed in better-sqlite3 13, which needs Node 22).
 * Until Node 20 support ends, every native object stays reachable for the life of the process and is freed
 * by Node's own environment cleanup at exit. Production opens one database with a fixed set of statements.
 */
const retainedNativeObjects: unknown[] = [];

/**
 * Reuses prepared statements by SQL text: Kysely prepares one per query, and reuse saves the parse and
 * keeps the number of retained statements at the number of distinct queries. Safe because better-sqlite3
 * runs each statement synchronously to completion.
 */
function withStatementCache(native: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  retainedNativeObjects.push(native, cache);
  return {
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = native.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close() {
      native.close();
    },
  };
}

/** pg is loaded only when PostgreSQL is used: a SQLite deployment does not carry it (~3 MB of heap). */
const loadPg = () => createRequire(import.meta.url)('pg') as typeof PgModule;

function openPostgres(url: string, options: OpenOptions): SqlDatabase {
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // int8 columns hold epoch milliseconds and counters: safe as JS numbers.
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  // A client losing its connection (database restart, network cut) emits 'error'; unhandled, that would
  // crash the process. The failing query rejects on its own and the pool replaces the client.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return wrap(db, 'postgres', options.schema);
}

function wrap(db: Kysely<Database>, dialect: Dialect, schema?: string): SqlDatabase {
  return {
    db,
    dialect,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async migrate() {
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      // With a schema of its own, the migration tables live there too: Kysely looks for them in every
      // schema otherwise, and finds another test's.
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async close() {
      await db.destroy();
    },
  };
}
