import { describe, expect, it } from 'vitest';
import { createTestClock, useMemoryDatabase } from '../../test/support/databases';
import { createSqlEphemeralStore, type EphemeralStore } from '../store';
import { createRateLimiter } from './rate-limiter';

const db = useMemoryDatabase();

describe('createRateLimiter', () => {
  it('refuses past the limit with Retry-After until the window ends', async () => {
    const clock = createTestClock();
    const limiter = createRateLimiter(createSqlEphemeralStore(db(), clock.now), {
      windowMs: 60_000,
      max: 3,
      now: clock.now,
    });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.hit('a'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]?.retryAfterSeconds).toBe(60);
    clock.advance(45_000);
    expect(await limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 15 });
    expect((await limiter.hit('b')).allowed).toBe(true);
    clock.advance(15_000);
    expect((await limiter.hit('a')).allowed).toBe(true);
    limiter.close();
  });

  it('shares counts between instances through the store', async () => {
    const clock = createTestClock();
    const store = createSqlEphemeralStore(db(), clock.now);
    const options = { windowMs: 60_000, max: 3, now: clock.now };
    const first = createRateLimiter(store, options);
    const second = createRateLimiter(store, options);
    for (let i = 0; i < 3; i++) expect((await first.hit('shared')).allowed).toBe(true);
    await first.flush();
    expect((await second.hit('shared')).allowed).toBe(true); // not yet synchronised: bounded overshoot
    await second.flush();
    expect(await second.hit('shared')).toMatchObject({ allowed: false });
    await second.flush();
    await first.hit('shared');
    await first.flush();
    expect(await first.hit('shared')).toMatchObject({ allowed: false });
    first.close();
    second.close();
  });

  it('keeps limiting locally when the store fails, and reports the failure', async () => {
    const clock = createTestClock();
    const errors: unknown[] = [];
    const broken: EphemeralStore = {
      ...createSqlEphemeralStore(db(), clock.now),
      increment: () => Promise.reject(new Error('db() down')),
    };
    const limiter = createRateLimiter(broken, {
      windowMs: 1_000,
      max: 2,
      now: clock.now,
      onStoreError: (e) => errors.push(e),
    });
    await limiter.hit('x');
    await limiter.flush();
    expect(errors).toHaveLength(1);
    expect((await limiter.hit('x')).allowed).toBe(true);
    expect((await limiter.hit('x')).allowed).toBe(false);
    limiter.close();
  });
});
