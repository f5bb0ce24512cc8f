import { beforeEach, expect, it } from 'vitest';
import { createTestClock, describeEachDriver } from '../../../test/support/databases';
import { createSqlEphemeralStore, type EphemeralStore, sweepExpired } from '..';

describeEachDriver('EphemeralStore contract', (database) => {
  const clock = createTestClock();
  let store: EphemeralStore;
  let prefix = 0;
  const key = (name: string) => `t${prefix}:${name}`;

  beforeEach(() => {
    prefix++;
    store = createSqlEphemeralStore(database(), clock.now);
  });

  it('sets, gets, overwrites and deletes', async () => {
    expect(await store.get(key('a'))).toBeUndefined();
    await store.set(key('a'), 'one', 1000);
    expect(await store.get(key('a'))).toBe('one');
    await store.set(key('a'), 'two', 1000);
    expect(await store.get(key('a'))).toBe('two');
    await store.delete(key('a'));
    expect(await store.get(key('a'))).toBeUndefined();
  });

  it('hides expired values from get and take', async () => {
    await store.set(key('b'), 'soon gone', 1000);
    clock.advance(999);
    expect(await store.get(key('b'))).toBe('soon gone');
    clock.advance(1);
    expect(await store.get(key('b'))).toBeUndefined();
    expect(await store.take(key('b'))).toBeUndefined();
  });

  it('take returns the value once and removes it', async () => {
    await store.set(key('c'), 'single use', 60_000);
    expect(await store.take(key('c'))).toBe('single use');
    expect(await store.take(key('c'))).toBeUndefined();
    expect(await store.get(key('c'))).toBeUndefined();
  });

  it('take: of 50 concurrent callers exactly one wins', async () => {
    await store.set(key('race'), 'prize', 60_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take(key('race'))));
    expect(results.filter((value) => value === 'prize')).toHaveLength(1);
    expect(results.filter((value) => value === undefined)).toHaveLength(49);
  });

  it('increment counts within a window and restarts after it', async () => {
    const first = await store.increment(key('n'), 10_000);
    expect(first).toEqual({ count: 1, expiresAt: clock.now() + 10_000 });
    clock.advance(5_000);
    const second = await store.increment(key('n'), 10_000);
    expect(second).toEqual({ count: 2, expiresAt: first.expiresAt });
    clock.advance(5_000);
    const restarted = await store.increment(key('n'), 10_000);
    expect(restarted).toEqual({ count: 1, expiresAt: clock.now() + 10_000 });
  });

  it('increment adds a given amount', async () => {
    expect((await store.increment(key('by'), 10_000, 5)).count).toBe(5);
    expect((await store.increment(key('by'), 10_000, 3)).count).toBe(8);
    clock.advance(10_000);
    expect((await store.increment(key('by'), 10_000, 2)).count).toBe(2);
  });

  it('increment is atomic under concurrency', async () => {
    const counts = await Promise.all(Array.from({ length: 40 }, () => store.increment(key('par'), 60_000)));
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('sweep removes only expired rows', async () => {
    await store.set(key('old'), 'x', 1_000);
    await store.set(key('new'), 'y', 100_000);
    await store.increment(key('oldc'), 1_000);
    clock.advance(2_000);
    const removed = await sweepExpired(database(), clock.now());
    expect(removed.ephemeral_values).toBeGreaterThanOrEqual(1);
    expect(removed.ephemeral_counters).toBeGreaterThanOrEqual(1);
    expect(await store.get(key('new'))).toBe('y');
    const left = await database()
      .db.selectFrom('ephemeral_values')
      .select('key')
      .where('key', '=', key('old'))
      .execute();
    expect(left).toEqual([]);
  });
});
