import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type SqlDatabase } from '../../src/store';

export const postgresUrl = process.env.GATEHOUSE_TEST_DATABASE_URL;

if (!postgresUrl && !process.env.GATEHOUSE_QUIET_SKIP) {
  console.warn(
    '\n[gatehouse] PostgreSQL contract tests are SKIPPED: set GATEHOUSE_TEST_DATABASE_URL ' +
      '(e.g. postgres://postgres@127.0.0.1:5432/test) to run them. CI always sets it.\n',
  );
}

export interface DriverUnderTest {
  name: 'sqlite' | 'postgres';
  open(): Promise<SqlDatabase>;
}

/** Opens a fresh, migrated database: SQLite in memory, or a PostgreSQL schema of its own. */
export async function openTestDatabase(name: 'sqlite' | 'postgres'): Promise<SqlDatabase> {
  if (name === 'sqlite') {
    const database = openDatabase('sqlite::memory:');
    await database.migrate();
    return database;
  }
  if (!postgresUrl) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set');
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const database = openDatabase(postgresUrl, { schema, poolSize: 60 });
  await database.migrate();
  const close = database.close.bind(database);
  return {
    ...database,
    async close() {
      await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await close();
    },
  };
}

/**
 * Runs `suite` once per storage driver. PostgreSQL runs only when GATEHOUSE_TEST_DATABASE_URL is set;
 * otherwise its block is reported as skipped with the reason in its name.
 */
export function describeEachDriver(title: string, suite: (get: () => SqlDatabase) => void): void {
  for (const name of ['sqlite', 'postgres'] as const) {
    const skip = name === 'postgres' && !postgresUrl;
    const label = skip
      ? `${title} [postgres: skipped, GATEHOUSE_TEST_DATABASE_URL unset]`
      : `${title} [${name}]`;
    describe.skipIf(skip)(label, () => {
      let database: SqlDatabase | undefined;
      beforeAll(async () => {
        database = await openTestDatabase(name);
      });
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (!database) throw new Error('database not opened');
        return database;
      });
    });
  }
}

/** A clock the test moves by hand. */
export function createTestClock(start = 1_700_000_000_000) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

/** A migrated in-memory SQLite database for one test file: opened before its tests, closed after. */
export function useMemoryDatabase(): () => SqlDatabase {
  let database: SqlDatabase | undefined;
  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    await database?.close();
  });
  return () => {
    if (!database) throw new Error('database not opened');
    return database;
  };
}

/**
 * A PostgreSQL database of its own, for several Gatehouse processes to share (they take a URL, not a
 * schema). Dropped by `drop()`; CI drops leftovers of killed runs (`gh_test_db_%`).
 */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set');
  const name = `gh_test_db_${randomBytes(6).toString('hex')}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: postgresUrl });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}
