import { expect, it } from 'vitest';
import { describeEachDriver } from '../../../test/support/databases';
import type { CatalogRecord, ConnectionRecord } from '../../gateway/hub/store';
import { createSqlCatalogStore, createSqlConnectionStore, createSqlUpstreamClientStore } from '..';

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

describeEachDriver('hub store contract', (database) => {
  const entry = (slug: string): CatalogRecord => ({
    slug,
    definition: {
      name: 'GitHub',
      description: '',
      url: 'https://api.githubcopilot.com/mcp/',
      auth: { type: 'none' },
      enabled: true,
      timeoutSeconds: 60,
    },
    source: 'config',
    createdAt: 1,
    updatedAt: 1,
    createdBy: null,
    updatedBy: null,
    deletedAt: null,
  });
  const connection = (overrides: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
    id: unique('conn'),
    userHash: unique('user'),
    slug: 'github',
    status: 'active',
    scopes: 'repo',
    sealed: 'sealed-1',
    expiresAt: 1_000,
    createdAt: 1,
    updatedAt: 1,
    lastError: null,
    ...overrides,
  });

  it('creates catalog entries once per slug and updates them in place', async () => {
    const catalog = createSqlCatalogStore(database());
    const slug = unique('gh').slice(0, 30);
    expect(await catalog.create(entry(slug))).toBe(true);
    expect(await catalog.create({ ...entry(slug), source: 'admin' })).toBe(false);
    expect((await catalog.get(slug))?.source).toBe('config');
    const definition = { ...entry(slug).definition, name: 'GitHub (edited)' };
    expect(
      await catalog.update(slug, {
        definition,
        source: 'edited',
        updatedAt: 5,
        updatedBy: 'u1',
        deletedAt: 9,
      }),
    ).toBe(true);
    expect(await catalog.get(slug)).toEqual({
      ...entry(slug),
      definition,
      source: 'edited',
      updatedAt: 5,
      updatedBy: 'u1',
      deletedAt: 9,
    });
    expect(
      await catalog.update('no-such-entry', {
        definition,
        source: 'admin',
        updatedAt: 5,
        updatedBy: null,
        deletedAt: null,
      }),
    ).toBe(false);
    expect((await catalog.list()).some((record) => record.slug === slug)).toBe(true);
  });

  it('keeps one connection per user and entry, replacing it on reconnect', async () => {
    const connections = createSqlConnectionStore(database());
    const first = connection();
    await connections.put(first);
    const again = { ...first, id: unique('conn'), scopes: 'repo read:org', sealed: 'sealed-2', updatedAt: 2 };
    await connections.put(again);
    const stored = await connections.get(first.userHash, 'github');
    // The row keeps its id and creation time; the credential and scopes are the new ones.
    expect(stored).toEqual({ ...again, id: first.id, createdAt: first.createdAt });
    expect(await connections.listByUser(first.userHash)).toHaveLength(1);
  });

  it('replaces a credential only if it still holds the one the refresher read', async () => {
    const connections = createSqlConnectionStore(database());
    const record = connection();
    await connections.put(record);
    const change = { sealed: 'sealed-2', expiresAt: 5_000, scopes: 'repo', updatedAt: 3 };
    expect(await connections.replaceSecret(record.id, 'sealed-1', change)).toBe(true);
    // A second refresher that read the old credential loses and writes nothing.
    expect(await connections.replaceSecret(record.id, 'sealed-1', { ...change, sealed: 'sealed-3' })).toBe(
      false,
    );
    expect((await connections.get(record.userHash, 'github'))?.sealed).toBe('sealed-2');
  });

  it('marks broken, lists expiring active connections, counts users per entry, deletes', async () => {
    const connections = createSqlConnectionStore(database());
    const slug = unique('exp');
    const soon = connection({ slug, expiresAt: 100 });
    const later = connection({ slug, expiresAt: 10_000_000 });
    const broken = connection({ slug, expiresAt: 50 });
    for (const record of [soon, later, broken]) await connections.put(record);
    await connections.markBroken(broken.id, 'invalid_grant', 7);
    const stored = await connections.get(broken.userHash, slug);
    expect(stored).toMatchObject({ status: 'broken', lastError: 'invalid_grant', updatedAt: 7 });
    const expiring = (await connections.listExpiring(1_000, 100)).filter((record) => record.slug === slug);
    expect(expiring.map((record) => record.id)).toEqual([soon.id]);
    expect((await connections.countBySlug()).get(slug)).toBe(3);
    expect(await connections.delete(soon.id)).toBe(true);
    expect(await connections.delete(soon.id)).toBe(false);
  });

  it('keeps the first registration at an upstream issuer when two are stored at once', async () => {
    const clients = createSqlUpstreamClientStore(database());
    const issuer = `https://${unique('as')}.example`;
    const record = (clientId: string) => ({
      issuer,
      method: 'dcr' as const,
      clientId,
      sealedSecret: null,
      createdAt: 1,
    });
    const [a, b] = await Promise.all([clients.put(record('first')), clients.put(record('second'))]);
    expect(a.clientId).toBe(b.clientId);
    expect((await clients.get(issuer))?.clientId).toBe(a.clientId);
    await clients.delete(issuer);
    expect(await clients.get(issuer)).toBeUndefined();
  });
});
