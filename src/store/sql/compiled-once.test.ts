import { afterAll, describe, expect, it } from 'vitest';
import { openTestDatabase, postgresUrl } from '../../../test/support/databases';
import { compiledOnce } from './compiled-once';
import type { SqlDatabase } from './database';

for (const driver of ['sqlite', 'postgres'] as const) {
  describe.skipIf(driver === 'postgres' && !postgresUrl)(`a query compiled once [${driver}]`, () => {
    let database: SqlDatabase | undefined;
    afterAll(async () => {
      await database?.close();
    });

    it('runs with each call’s values, an argument used twice included', async () => {
      database = await openTestDatabase(driver);
      const { db } = database;
      await db
        .insertInto('ephemeral_values')
        .values([
          { key: 'a', value: 'first', expires_at: 100 },
          { key: 'b', value: 'second', expires_at: 300 },
        ])
        .execute();
      const lookup = compiledOnce(db, ['\u0000key', -1.5], (key: string, at: number) =>
        db.selectFrom('ephemeral_values').select('value').where('key', '=', key).where('expires_at', '>', at),
      );
      expect(await lookup('a', 50)).toEqual([{ value: 'first' }]);
      expect(await lookup('a', 150)).toEqual([]);
      expect(await lookup('b', 150)).toEqual([{ value: 'second' }]);
      const twice = compiledOnce(db, [-1.5], (at: number) =>
        db
          .selectFrom('ephemeral_values')
          .select('key')
          .where('expires_at', '>', at)
          .where('expires_at', '!=', at),
      );
      expect((await twice(200)).map((row) => row.key)).toEqual(['b']);
      expect((await twice(300)).map((row) => row.key)).toEqual([]);
    });

    it('refuses a query that leaves an argument out', async () => {
      const { db } = database ?? (await openTestDatabase(driver));
      expect(() =>
        compiledOnce(db, ['\u0000key', -1.5] as [string, number], (key: string, _at: number) =>
          db.selectFrom('ephemeral_values').select('value').where('key', '=', key),
        ),
      ).toThrow(/every argument/);
    });
  });
}
