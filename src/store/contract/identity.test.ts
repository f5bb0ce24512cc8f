import { beforeEach, expect, it } from 'vitest';
import { describeEachDriver } from '../../../test/support/databases';
import type { UserRecord } from '../../identity/store';
import { createSqlAuditStore, createSqlUserStore, purgeAuditEvents } from '..';

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2)}`;

function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: unique('u'),
    identityKey: unique('ik'),
    emailHash: unique('eh'),
    sealed: 'sealed-profile',
    tokensSealed: null,
    tokensVersion: 0,
    createdAt: 1000,
    lastLoginAt: 1000,
    lastCheckedAt: 1000,
    sessionsValidAfter: 0,
    blockedAt: null,
    ...overrides,
  };
}

describeEachDriver('identity stores contract', (database) => {
  let users: ReturnType<typeof createSqlUserStore>;
  let audit: ReturnType<typeof createSqlAuditStore>;
  beforeEach(() => {
    users = createSqlUserStore(database());
    audit = createSqlAuditStore(database());
  });

  it('users: save, find by id, identity and email hash; save replaces but keeps created_at', async () => {
    const user = newUser();
    await users.save(user);
    expect(await users.get(user.id)).toEqual(user);
    expect(await users.findByIdentity(user.identityKey)).toEqual(user);
    expect(await users.findByEmailHash(user.emailHash)).toEqual([user]);
    await users.save({ ...user, sealed: 'new-profile', lastLoginAt: 2000, createdAt: 99 });
    expect(await users.get(user.id)).toEqual({ ...user, sealed: 'new-profile', lastLoginAt: 2000 });
    expect(await users.get('u-missing')).toBeUndefined();
    expect(await users.findByIdentity('ik-missing')).toBeUndefined();
  });

  it('users: an admin block is set and cleared on its own, and a login save keeps it', async () => {
    const user = newUser();
    await users.save(user);
    expect(await users.setBlocked(user.id, 4242)).toBe(true);
    expect((await users.get(user.id))?.blockedAt).toBe(4242);
    // A sign-in records the user again: the block stays.
    await users.save({ ...user, lastLoginAt: 5000 });
    expect(await users.get(user.id)).toEqual({ ...user, lastLoginAt: 5000, blockedAt: 4242 });
    expect(await users.setBlocked(user.id, null)).toBe(true);
    expect((await users.get(user.id))?.blockedAt).toBeNull();
    expect(await users.setBlocked('u-missing', 1)).toBe(false);
  });

  it('users: listed by most recent sign-in, in pages', async () => {
    // Far in the future: these come first in a database other tests share.
    const base = 9_000_000_000_000 + n * 10;
    const [first, second, third] = [
      newUser({ lastLoginAt: base + 3 }),
      newUser({ lastLoginAt: base + 2 }),
      newUser({ lastLoginAt: base + 1 }),
    ];
    for (const user of [third, first, second]) if (user) await users.save(user);
    const page = await users.list(2, 0);
    expect(page.map((user) => user.id)).toEqual([first?.id, second?.id]);
    expect((await users.list(1, 2)).map((user) => user.id)).toEqual([third?.id]);
  });

  it('users: the identity key is unique', async () => {
    const user = newUser();
    await users.save(user);
    await expect(users.save(newUser({ identityKey: user.identityKey }))).rejects.toThrow();
  });

  it('users: tokens update is a compare-and-set on the version; of concurrent writers one wins', async () => {
    const user = newUser();
    await users.save(user);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => users.updateTokens(user.id, 0, `tokens-${i}`, 5000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const stored = await users.get(user.id);
    expect(stored?.tokensVersion).toBe(1);
    expect(stored?.lastCheckedAt).toBe(5000);
    expect(stored?.tokensSealed).toBe(`tokens-${results.indexOf(true)}`);
    expect(await users.updateTokens(user.id, 0, 'stale', 6000)).toBe(false);
    expect(await users.updateTokens(user.id, 1, null, 6000)).toBe(true);
    expect((await users.get(user.id))?.tokensSealed).toBeNull();
  });

  it('users: tokens and profile change together, and sessions end without touching the rest', async () => {
    const user = newUser({ tokensSealed: 't1' });
    await users.save(user);
    expect(await users.updateTokens(user.id, 0, 't2', 7000, { sealed: 'p2', emailHash: 'eh2' })).toBe(true);
    expect(await users.updateTokens(user.id, 0, 't3', 8000, { sealed: 'p3', emailHash: 'eh3' })).toBe(false);
    await users.endSessionsBefore(user.id, 9000);
    expect(await users.get(user.id)).toEqual({
      ...user,
      tokensSealed: 't2',
      tokensVersion: 1,
      lastCheckedAt: 7000,
      sealed: 'p2',
      emailHash: 'eh2',
      sessionsValidAfter: 9000,
    });
  });

  it('users: listStale returns only users with tokens checked before the cut-off, oldest first', async () => {
    const base = 10_000_000 + n * 1000;
    const old = newUser({ tokensSealed: 't', lastCheckedAt: base + 1 });
    const older = newUser({ tokensSealed: 't', lastCheckedAt: base });
    const fresh = newUser({ tokensSealed: 't', lastCheckedAt: base + 500 });
    const noTokens = newUser({ lastCheckedAt: base });
    for (const user of [old, older, fresh, noTokens]) await users.save(user);
    const stale = (await users.listStale(base + 100, 1000)).map((u) => u.id);
    expect(stale.indexOf(older.id)).toBeLessThan(stale.indexOf(old.id));
    expect(stale).toContain(old.id);
    expect(stale).not.toContain(fresh.id);
    expect(stale).not.toContain(noTokens.id);
  });

  it('audit: append, filter by user, client, event and time, newest first, keyset pages, purge', async () => {
    const user = unique('u');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `${String(100 + i).padStart(9, '0')}-${unique('e')}`;
      ids.push(id);
      await audit.append({
        id,
        at: 100 + i,
        event: i % 2 ? 'token.issued' : 'login.succeeded',
        userId: user,
        clientId: i === 4 ? 'client-x' : null,
        resource: null,
        ip: '127.0.0.1',
        reason: null,
        details: { i },
      });
    }
    const all = await audit.query({ userIds: [user], limit: 10 });
    expect(all.map((e) => e.id)).toEqual([...ids].reverse());
    expect(all[0]?.details).toEqual({ i: 4 });
    expect(
      (await audit.query({ userIds: [user], events: ['token.issued'], limit: 10 })).map((e) => e.id),
    ).toEqual([ids[3], ids[1]]);
    expect(
      (await audit.query({ clientId: 'client-x', userIds: [user], limit: 10 })).map((e) => e.id),
    ).toEqual([ids[4]]);
    expect(
      (await audit.query({ userIds: [user], since: 101, until: 103, limit: 10 })).map((e) => e.id),
    ).toEqual([ids[2], ids[1]]);
    const page2 = await audit.query({ userIds: [user], before: ids[2], limit: 10 });
    expect(page2.map((e) => e.id)).toEqual([ids[1], ids[0]]);
    expect((await audit.since(103, 10)).map((e) => e.id).filter((id) => ids.includes(id))).toEqual([
      ids[3],
      ids[4],
    ]);
    expect((await audit.since(100, 2, ids[1])).map((e) => e.id)).toEqual([ids[2], ids[3]]);
    expect(await audit.query({ userIds: [], limit: 10 })).toEqual([]);
    expect(await purgeAuditEvents(database(), 102)).toBeGreaterThanOrEqual(2);
    expect((await audit.query({ userIds: [user], limit: 10 })).map((e) => e.id)).toEqual([
      ids[4],
      ids[3],
      ids[2],
    ]);
  });
});
