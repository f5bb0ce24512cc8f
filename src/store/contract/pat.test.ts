import { beforeEach, expect, it } from 'vitest';
import { createTestClock, describeEachDriver } from '../../../test/support/databases';
import type { PatRecord } from '../../resource/store';
import { createSqlPatStore, sweepExpired } from '..';

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2)}`;

describeEachDriver('personal access token store contract', (database) => {
  const clock = createTestClock();
  let pats: ReturnType<typeof createSqlPatStore>;
  beforeEach(() => {
    pats = createSqlPatStore(database());
  });
  const newPat = (overrides: Partial<PatRecord> = {}): PatRecord => ({
    id: unique('pat'),
    tokenHash: unique('hash'),
    userHash: 'owner',
    prefix: 'gth_abcd',
    sealed: 'sealed',
    createdAt: clock.now(),
    lastUsedAt: null,
    expiresAt: clock.now() + 10_000,
    ...overrides,
  });

  it('finds live tokens by hash and id, lists a user’s newest first, hides expired ones', async () => {
    const user = unique('user');
    const older = newPat({ userHash: user, createdAt: clock.now() - 5 });
    const newer = newPat({ userHash: user });
    const forever = newPat({ userHash: user, expiresAt: null, createdAt: clock.now() - 10 });
    for (const pat of [older, newer, forever]) await pats.create(pat);
    expect(await pats.findByHash(newer.tokenHash, clock.now())).toEqual(newer);
    expect(await pats.get(older.id, clock.now())).toEqual(older);
    expect((await pats.listByUser(user, clock.now())).map((p) => p.id)).toEqual([
      newer.id,
      older.id,
      forever.id,
    ]);
    clock.advance(10_000);
    expect(await pats.findByHash(newer.tokenHash, clock.now())).toBeUndefined();
    expect((await pats.listByUser(user, clock.now())).map((p) => p.id)).toEqual([forever.id]);
    await sweepExpired(database(), clock.now());
    expect(await pats.get(forever.id, clock.now())).toEqual(forever);
    expect(await pats.delete(older.id)).toBeUndefined(); // swept
  });

  it('deletes one or all of a user’s tokens, returning their hashes', async () => {
    const user = unique('user');
    const a = newPat({ userHash: user });
    const b = newPat({ userHash: user });
    const other = newPat();
    for (const pat of [a, b, other]) await pats.create(pat);
    expect(await pats.delete(a.id)).toBe(a.tokenHash);
    expect(await pats.delete(a.id)).toBeUndefined();
    expect(await pats.deleteByUser(user)).toEqual([b.tokenHash]);
    expect(await pats.get(other.id, clock.now())).toBeDefined();
  });

  it('records use at most once per interval', async () => {
    const pat = newPat();
    await pats.create(pat);
    await pats.touch(pat.id, clock.now(), 60_000);
    expect((await pats.get(pat.id, clock.now()))?.lastUsedAt).toBe(clock.now());
    const first = clock.now();
    clock.advance(1000);
    await pats.touch(pat.id, clock.now(), 60_000);
    expect((await pats.get(pat.id, clock.now()))?.lastUsedAt).toBe(first);
  });

  it('refuses a second token with the same hash', async () => {
    const pat = newPat();
    await pats.create(pat);
    await expect(pats.create(newPat({ tokenHash: pat.tokenHash }))).rejects.toThrow();
  });
});
