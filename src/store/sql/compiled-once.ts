import { type Compilable, CompiledQuery, type Kysely } from 'kysely';

/**
 * A query built and compiled once, then run with new values: Kysely builds and compiles a query on every
 * call, which on the hottest reads (the bearer check) costs more than the database itself. `build` gets
 * one placeholder per argument; where each lands among the compiled parameters is found once, from
 * sentinel values, so the SQL and its dialect's placeholders stay Kysely's. An argument must go into the
 * query as it is (a value computed from it would be compiled in as a constant). The sentinels are never null;
 * an argument typed nullable may be null on a call (as a value to write: `= null` is never true).
 */
export function compiledOnce<DB, Args extends Array<string | number | null>, Row>(
  db: Kysely<DB>,
  sentinels: Args,
  build: (...args: Args) => Compilable<Row>,
): (...args: Args) => Promise<Row[]> {
  const compiled = build(...sentinels).compile();
  const slots = compiled.parameters.map((value) => sentinels.indexOf(value as Args[number]));
  if (new Set(slots.filter((slot) => slot >= 0)).size !== sentinels.length)
    throw new Error('compiledOnce: every argument must appear in the query, and sentinels must be distinct');
  return async (...args) => {
    const parameters = compiled.parameters.map((value, index) => {
      const slot = slots[index] as number;
      return slot >= 0 ? args[slot] : value;
    });
    const result = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows;
  };
}
