import { expect, it } from 'vitest';
import { createTestClock, describeEachDriver } from '../../../test/support/databases';
import { createSqlLockStore } from '..';

describeEachDriver('LockStore contract', (database) => {
  const clock = createTestClock();
  let n = 0;
  const key = () => `lease-${++n}`;

  it('one holder at a time; released, it is free again; a stale token releases nothing', async () => {
    const locks = createSqlLockStore(database(), clock.now);
    const lease = key();
    const held = await locks.acquire(lease, 30_000);
    expect(held).toBeDefined();
    expect(await locks.acquire(lease, 30_000)).toBeUndefined();
    await locks.release(lease, 'not-the-holder');
    expect(await locks.acquire(lease, 30_000)).toBeUndefined();
    await locks.release(lease, held ?? '');
    expect(await locks.acquire(lease, 30_000)).toBeDefined();
  });

  it('an expired lease is taken over, and its old holder cannot release the new one', async () => {
    const locks = createSqlLockStore(database(), clock.now);
    const lease = key();
    const old = await locks.acquire(lease, 1_000);
    clock.advance(1_000);
    const next = await locks.acquire(lease, 1_000);
    expect(next).toBeDefined();
    await locks.release(lease, old ?? '');
    expect(await locks.acquire(lease, 1_000)).toBeUndefined();
  });

  it('of 20 concurrent acquirers exactly one holds the lease', async () => {
    const locks = createSqlLockStore(database(), clock.now);
    const lease = key();
    const results = await Promise.all(Array.from({ length: 20 }, () => locks.acquire(lease, 30_000)));
    expect(results.filter((token) => token !== undefined)).toHaveLength(1);
  });
});
