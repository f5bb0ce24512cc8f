import { beforeEach, expect, it } from 'vitest';
import { createTestClock, describeEachDriver } from '../../../test/support/databases';
import {
  createSqlClientBlockStore,
  createSqlClientStore,
  createSqlCodeStore,
  createSqlGrantStore,
  createSqlTokenStore,
  sweepExpired,
} from '..';

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2)}`;

describeEachDriver('OAuth stores contract', (database) => {
  const clock = createTestClock();
  let clients: ReturnType<typeof createSqlClientStore>;
  let codes: ReturnType<typeof createSqlCodeStore>;
  let grants: ReturnType<typeof createSqlGrantStore>;
  let tokens: ReturnType<typeof createSqlTokenStore>;
  beforeEach(() => {
    clients = createSqlClientStore(database());
    codes = createSqlCodeStore(database());
    grants = createSqlGrantStore(database());
    tokens = createSqlTokenStore(database());
  });

  async function newGrant(userHash = unique('user'), clientId = 'client') {
    const id = unique('grant');
    await grants.create({
      id,
      userHash,
      clientId,
      sealed: 'sealed',
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
      expiresAt: clock.now() + 86_400_000,
    });
    return id;
  }

  it('clients: create, get, touch, expire, delete', async () => {
    const clientId = unique('dcr');
    await clients.create({
      clientId,
      kind: 'dcr',
      secretHash: null,
      metadata: { client_name: 'Inspector', redirect_uris: ['http://127.0.0.1/cb'] },
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
      expiresAt: clock.now() + 1000,
    });
    expect((await clients.get(clientId, clock.now()))?.metadata.client_name).toBe('Inspector');
    await clients.touch(clientId, clock.now(), clock.now() + 5000);
    clock.advance(2000);
    expect(await clients.get(clientId, clock.now())).toBeDefined();
    clock.advance(3000);
    expect(await clients.get(clientId, clock.now())).toBeUndefined();
    expect((await clients.list('dcr')).some((c) => c.clientId === clientId)).toBe(true);
    expect(await clients.delete(clientId)).toBe(true);
    expect(await clients.delete(clientId)).toBe(false);
  });

  it('codes: consumed once, naming the grant it produces; a replay reports it and marks the code', async () => {
    const codeHash = unique('code');
    await codes.save({ codeHash, clientId: 'c1', sealed: 's', expiresAt: clock.now() + 60_000 });
    expect(await codes.consume(codeHash, clock.now(), 'g1')).toEqual({
      status: 'ok',
      clientId: 'c1',
      sealed: 's',
    });
    expect(await codes.wasReplayed(codeHash)).toBe(false);
    expect(await codes.consume(codeHash, clock.now(), 'g2')).toEqual({ status: 'replayed', grantId: 'g1' });
    expect(await codes.wasReplayed(codeHash)).toBe(true);
    expect(await codes.consume(unique('nope'), clock.now(), 'g3')).toEqual({ status: 'unknown' });
  });

  it('codes: expired codes are unknown', async () => {
    const codeHash = unique('code');
    await codes.save({ codeHash, clientId: 'c1', sealed: 's', expiresAt: clock.now() + 1000 });
    clock.advance(1000);
    expect(await codes.consume(codeHash, clock.now(), 'g')).toEqual({ status: 'unknown' });
  });

  it('codes: of 50 concurrent exchanges exactly one wins', async () => {
    const codeHash = unique('code');
    await codes.save({ codeHash, clientId: 'c1', sealed: 's', expiresAt: clock.now() + 60_000 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => codes.consume(codeHash, clock.now(), `g${i}`)),
    );
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    const replays = results.filter((r) => r.status === 'replayed');
    expect(replays).toHaveLength(49);
    // Every replay names the winner's grant, even one that raced the winner's own request.
    const winner = results.findIndex((r) => r.status === 'ok');
    expect(new Set(replays.map((r) => r.status === 'replayed' && r.grantId))).toEqual(
      new Set([`g${winner}`]),
    );
  });

  it('grants: list by user, revoke deletes its tokens', async () => {
    const user = unique('user');
    const first = await newGrant(user, 'a');
    const second = await newGrant(user, 'b');
    expect((await grants.listByUser(user, clock.now())).map((g) => g.id).sort()).toEqual(
      [first, second].sort(),
    );
    expect(await grants.idsFor(user, 'a')).toEqual([first]);
    const accessHash = unique('at');
    const refreshHash = unique('rt');
    await tokens.saveAccess({
      tokenHash: accessHash,
      grantId: first,
      sealed: 'x',
      expiresAt: clock.now() + 1000,
    });
    await tokens.saveRefresh({
      tokenHash: refreshHash,
      grantId: first,
      previousHash: null,
      sealed: 'y',
      expiresAt: clock.now() + 1000,
    });
    expect(await grants.revoke(first)).toBe(true);
    expect(await tokens.findAccess(accessHash, clock.now())).toBeUndefined();
    expect(await tokens.findRefreshGrant(refreshHash, clock.now())).toBeUndefined();
    expect(await grants.get(first, clock.now())).toBeUndefined();
    expect(await grants.get(second, clock.now())).toBeDefined();
    expect(await grants.revoke(first)).toBe(false);
  });

  it('grants: per client, the live grant ids and the distinct users with the last use', async () => {
    const client = unique('client');
    const alice = unique('user');
    const first = await newGrant(alice, client);
    const second = await newGrant(alice, client);
    await newGrant(unique('user'), client);
    await grants.touch(second, clock.now() + 5000, clock.now() + 86_400_000);
    expect((await grants.idsForClient(client, clock.now())).sort()).toEqual(
      expect.arrayContaining([first, second].sort()),
    );
    expect(await grants.idsForClient(client, clock.now())).toHaveLength(3);
    const usage = (await grants.usageByClient(clock.now())).find((entry) => entry.clientId === client);
    expect(usage).toEqual({ clientId: client, users: 2, lastUsedAt: clock.now() + 5000 });
    // Expired grants count for nothing.
    expect(await grants.idsForClient(client, clock.now() + 2 * 86_400_000)).toEqual([]);
    expect(
      (await grants.usageByClient(clock.now() + 2 * 86_400_000)).find((entry) => entry.clientId === client),
    ).toBeUndefined();
  });

  it('client blocks: a client id and a host are separate keys; adding twice is a no-op', async () => {
    const blocks = createSqlClientBlockStore(database());
    const name = unique('blocked');
    expect(await blocks.add({ key: name, kind: 'client', createdAt: 1, createdBy: 'u_admin' })).toBe(true);
    expect(await blocks.add({ key: name, kind: 'client', createdAt: 2, createdBy: 'u_admin' })).toBe(false);
    expect(await blocks.add({ key: name, kind: 'host', createdAt: 3, createdBy: null })).toBe(true);
    const mine = (await blocks.list()).filter((block) => block.key === name);
    expect(mine).toEqual([
      { key: name, kind: 'client', createdAt: 1, createdBy: 'u_admin' },
      { key: name, kind: 'host', createdAt: 3, createdBy: null },
    ]);
    expect(await blocks.remove(name, 'host')).toBe(true);
    expect(await blocks.remove(name, 'host')).toBe(false);
    expect((await blocks.list()).filter((block) => block.key === name)).toHaveLength(1);
  });

  it('access tokens: found until expiry, deleted on demand', async () => {
    const grantId = await newGrant();
    const tokenHash = unique('at');
    await tokens.saveAccess({ tokenHash, grantId, sealed: 'claims', expiresAt: clock.now() + 1000 });
    expect(await tokens.findAccess(tokenHash, clock.now())).toEqual({
      tokenHash,
      grantId,
      sealed: 'claims',
      expiresAt: clock.now() + 1000,
    });
    expect(await tokens.deleteAccess(tokenHash)).toBe(grantId);
    expect(await tokens.findAccess(tokenHash, clock.now())).toBeUndefined();
  });

  const saveRefresh = (tokenHash: string, grantId: string, previousHash: string | null, sealed = 's') =>
    tokens.saveRefresh({ tokenHash, grantId, previousHash, sealed, expiresAt: clock.now() + 86_400_000 });

  it('refresh tokens: rotate; the same token again within the grace is recently rotated, with the kept answer', async () => {
    const grantId = await newGrant();
    const first = unique('rt');
    await saveRefresh(first, grantId, null, 's1');
    const second = unique('rt');
    expect(await tokens.rotateRefresh(first, clock.now(), 30_000, second)).toEqual({
      status: 'rotated',
      grantId,
      sealed: 's1',
    });
    // A parallel request before the winner answered: no answer yet.
    expect(await tokens.rotateRefresh(first, clock.now(), 30_000, unique('rt'))).toEqual({
      status: 'recently-rotated',
      grantId,
      successorHash: second,
      answer: null,
    });
    expect(await saveRefresh(second, grantId, first, 's2')).toBe(true);
    await tokens.saveRefreshAnswer(first, unique('other'), 'not kept: another successor');
    await tokens.saveRefreshAnswer(first, second, 'sealed answer');
    clock.advance(5_000);
    expect(await tokens.readRecentRotation(first, clock.now(), 30_000)).toEqual({
      status: 'recently-rotated',
      grantId,
      successorHash: second,
      answer: 'sealed answer',
    });
    // Once the successor is used, the old token is a replay.
    expect((await tokens.rotateRefresh(second, clock.now(), 30_000, unique('rt'))).status).toBe('rotated');
    expect(await tokens.rotateRefresh(first, clock.now(), 30_000, unique('next'))).toEqual({
      status: 'replayed',
      grantId,
    });
  });

  it('refresh tokens: a winner that never answered is taken over once; its successor then dies (no fork)', async () => {
    const grantId = await newGrant();
    const first = unique('rt');
    await saveRefresh(first, grantId, null);
    const winner = unique('rt');
    const taker = unique('rt');
    expect((await tokens.rotateRefresh(first, clock.now(), 30_000, winner)).status).toBe('rotated');
    expect(await tokens.takeOverRotation(first, clock.now(), 30_000, unique('wrong'), taker)).toBeUndefined();
    expect(await tokens.takeOverRotation(first, clock.now(), 30_000, winner, taker)).toEqual({
      grantId,
      sealed: 's',
    });
    expect(await tokens.takeOverRotation(first, clock.now(), 30_000, taker, unique('again'))).toBeUndefined();
    expect(await saveRefresh(winner, grantId, first)).toBe(false);
    expect(await saveRefresh(taker, grantId, first)).toBe(true);
    expect(await tokens.findRefreshGrant(winner, clock.now())).toBeUndefined();
    expect((await tokens.rotateRefresh(taker, clock.now(), 30_000, unique('next'))).status).toBe('rotated');
  });

  it('refresh tokens: no take-over once the winner answered, nor of a saved successor that was used', async () => {
    const grantId = await newGrant();
    const first = unique('rt');
    const second = unique('rt');
    await saveRefresh(first, grantId, null);
    await tokens.rotateRefresh(first, clock.now(), 30_000, second);
    await tokens.saveRefreshAnswer(first, second, 'answer');
    expect(await tokens.takeOverRotation(first, clock.now(), 30_000, second, unique('rt'))).toBeUndefined();

    const third = unique('rt');
    const fourth = unique('rt');
    await saveRefresh(third, grantId, null);
    await tokens.rotateRefresh(third, clock.now(), 30_000, fourth);
    expect(await saveRefresh(fourth, grantId, third)).toBe(true);
    await tokens.rotateRefresh(fourth, clock.now(), 30_000, unique('rt'));
    expect(await tokens.takeOverRotation(third, clock.now(), 30_000, fourth, unique('rt'))).toBeUndefined();
  });

  it('refresh tokens: no grace once the successor was used, nor after the window', async () => {
    const grantId = await newGrant();
    const first = unique('rt');
    const second = unique('rt');
    await saveRefresh(first, grantId, null);
    await tokens.rotateRefresh(first, clock.now(), 30_000, second);
    expect(await saveRefresh(second, grantId, first)).toBe(true);
    expect((await tokens.rotateRefresh(second, clock.now(), 30_000, unique('next'))).status).toBe('rotated');
    expect(await tokens.rotateRefresh(first, clock.now(), 30_000, unique('next'))).toEqual({
      status: 'replayed',
      grantId,
    });

    const third = unique('rt');
    await saveRefresh(third, grantId, null);
    await tokens.rotateRefresh(third, clock.now(), 30_000, unique('next'));
    clock.advance(30_001);
    expect((await tokens.rotateRefresh(third, clock.now(), 30_000, unique('next'))).status).toBe('replayed');
    expect(await tokens.rotateRefresh(unique('rt'), clock.now(), 30_000, unique('next'))).toEqual({
      status: 'unknown',
    });
  });

  it('access tokens: not found once their grant is gone (a refresh racing a revocation)', async () => {
    const grantId = await newGrant();
    expect(await grants.revoke(grantId)).toBe(true);
    const tokenHash = unique('at');
    await tokens.saveAccess({ tokenHash, grantId, sealed: 'late', expiresAt: clock.now() + 60_000 });
    expect(await tokens.findAccess(tokenHash, clock.now())).toBeUndefined();
  });

  it('refresh tokens: of 20 concurrent rotations one rotates and the rest are recently rotated; one take-over wins', async () => {
    const grantId = await newGrant();
    const tokenHash = unique('rt');
    await tokens.saveRefresh({
      tokenHash,
      grantId,
      previousHash: null,
      sealed: 's',
      expiresAt: clock.now() + 1e9,
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => tokens.rotateRefresh(tokenHash, clock.now(), 30_000, unique('next'))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'rotated')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'recently-rotated')).toHaveLength(19);
    const winner = results.find((r) => r.status === 'recently-rotated');
    const stale = winner?.status === 'recently-rotated' ? winner.successorHash : '';
    const takeOvers = await Promise.all(
      Array.from({ length: 10 }, () =>
        tokens.takeOverRotation(tokenHash, clock.now(), 30_000, stale, unique('taker')),
      ),
    );
    expect(takeOvers.filter(Boolean)).toHaveLength(1);
  });

  it('sweep removes expired OAuth rows and unused DCR clients', async () => {
    const grantId = await newGrant();
    const tokenHash = unique('at');
    await tokens.saveAccess({ tokenHash, grantId, sealed: 'x', expiresAt: clock.now() + 10 });
    const clientId = unique('dcr');
    await clients.create({
      clientId,
      kind: 'dcr',
      secretHash: null,
      metadata: {},
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
      expiresAt: clock.now() + 10,
    });
    clock.advance(11);
    const removed = await sweepExpired(database(), clock.now());
    expect(removed.oauth_access_tokens).toBeGreaterThanOrEqual(1);
    expect(removed.oauth_clients).toBeGreaterThanOrEqual(1);
    expect(await clients.list('dcr')).not.toContainEqual(expect.objectContaining({ clientId }));
  });
});
