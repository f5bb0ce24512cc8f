import { describe, expect, it } from 'vitest';
import { createTestClock, useMemoryDatabase } from '../../test/support/databases';
import { createKeyRing } from '../crypto';
import { createSqlEphemeralStore } from '../store';
import { createSessionManager } from './session';

const db = useMemoryDatabase();

describe('sessions', async () => {
  const keyRing = await createKeyRing([{ id: 'k', key: new Uint8Array(32).fill(4) }]);
  const user = { id: 'u_1', email: 'alice@example.com', name: 'Alice' };

  it('slide the idle timeout on use and end at the absolute timeout', async () => {
    const clock = createTestClock();
    const sessions = createSessionManager(
      createSqlEphemeralStore(db(), clock.now),
      keyRing,
      { idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 150 },
      clock.now,
    );
    const cookie = await sessions.create(user);
    for (let i = 0; i < 2; i++) {
      clock.advance(50_000);
      expect((await sessions.get(cookie))?.user).toEqual(user); // used within the idle window: kept
    }
    clock.advance(50_001); // 150 s after login: past the absolute timeout
    expect(await sessions.get(cookie)).toBeUndefined();
  });

  it('expire after the idle timeout, and end at logout', async () => {
    const clock = createTestClock();
    const store = createSqlEphemeralStore(db(), clock.now);
    const sessions = createSessionManager(
      store,
      keyRing,
      { idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 3600 },
      clock.now,
    );
    const idle = await sessions.create(user);
    clock.advance(60_001);
    expect(await sessions.get(idle)).toBeUndefined();
    const active = await sessions.create(user);
    await sessions.destroy(active);
    expect(await sessions.get(active)).toBeUndefined();
    expect(await sessions.get('forged-cookie-value')).toBeUndefined();
    expect(await sessions.get(undefined)).toBeUndefined();
  });

  it('store the user sealed, keyed by a hash of the cookie', async () => {
    const clock = createTestClock();
    const sessions = createSessionManager(
      createSqlEphemeralStore(db(), clock.now),
      keyRing,
      { idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 3600 },
      clock.now,
    );
    const cookie = await sessions.create(user);
    const rows = await db()
      .db.selectFrom('ephemeral_values')
      .selectAll()
      .where('key', 'like', 'session:%')
      .execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(cookie);
    expect(text).not.toContain('alice@example.com');
  });
});
