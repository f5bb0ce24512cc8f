import { beforeEach, describe, expect, it } from 'vitest';
import { catalogEntrySchema } from '../../config/hub-schema';
import { createSqlCatalogStore, openDatabase } from '../../store';
import type { AuditInput } from '../../telemetry';
import { CatalogError, createCatalog, seedCatalog } from './catalog';
import type { CatalogStore } from './store';

const entry = (slug: string, extra: Record<string, unknown> = {}) =>
  catalogEntrySchema.parse({ slug, name: slug.toUpperCase(), url: `https://${slug}.example/mcp`, ...extra });

describe('the catalog', () => {
  let store: CatalogStore;
  let audited: AuditInput[];
  let catalog: ReturnType<typeof createCatalog>;
  beforeEach(async () => {
    const database = openDatabase('sqlite::memory:');
    await database.migrate();
    store = createSqlCatalogStore(database);
    audited = [];
    catalog = createCatalog({
      store,
      audit: { record: async (input) => void audited.push(input), flush: async () => {} },
      now: () => 1_000,
      allowLoopbackHttp: false,
      cacheMs: 0,
    });
  });

  it('is seeded from config: created, updated while unedited, kept once an admin edited it, removed when dropped', async () => {
    expect(await seedCatalog(store, [entry('github'), entry('sentry')], 1)).toMatchObject({
      created: ['github', 'sentry'],
    });
    expect(await seedCatalog(store, [entry('github', { name: 'GitHub' }), entry('sentry')], 2)).toMatchObject(
      { updated: ['github'] },
    );
    await catalog.update('sentry', { name: 'Sentry (ours)', url: 'https://sentry.example/mcp' }, 'admin-1');
    const again = await seedCatalog(store, [entry('github', { name: 'GitHub' })], 3);
    expect(again).toMatchObject({ keptEdited: [], removed: [] });
    // Sentry was edited by an admin: dropping it from config does not delete the admin's version.
    expect((await store.get('sentry'))?.deletedAt).toBeNull();
    expect((await store.get('sentry'))?.definition.name).toBe('Sentry (ours)');
    const withBoth = await seedCatalog(
      store,
      [entry('github', { name: 'GitHub' }), entry('sentry', { name: 'From config' })],
      4,
    );
    expect(withBoth.keptEdited).toEqual(['sentry']);
    expect((await store.get('sentry'))?.definition.name).toBe('Sentry (ours)');
    expect(await seedCatalog(store, [entry('sentry')], 5)).toMatchObject({ removed: ['github'] });
    expect((await store.get('github'))?.deletedAt).toBe(5);
  });

  it('refuses a config slug an admin created in the console', async () => {
    await catalog.create('linear', { name: 'Linear', url: 'https://linear.example/mcp' }, 'admin-1');
    await expect(seedCatalog(store, [entry('linear')], 2)).rejects.toThrow(
      /belongs to an entry an admin created/,
    );
  });

  it('validates what admins enter and audits every change', async () => {
    const refused = async (promise: Promise<unknown>, status: number, message: RegExp) => {
      const error = await promise.catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as CatalogError).status).toBe(status);
      expect((error as CatalogError).message).toMatch(message);
    };
    await refused(catalog.create('x', { name: 'X', url: 'http://x.example/mcp' }, 'a'), 400, /https/);
    await refused(catalog.create('x', { name: 'X', url: 'http://127.0.0.1/mcp' }, 'a'), 400, /https/); // not in production
    await refused(
      catalog.create('x', { name: 'X', url: 'https://u:p@x.example/mcp' }, 'a'),
      400,
      /credentials/,
    );
    await refused(catalog.create('x', { name: 'X', url: '::' }, 'a'), 400, /url/);
    await refused(catalog.create('X!', { name: 'X', url: 'https://x.example/mcp' }, 'a'), 400, /slug/);
    await refused(
      catalog.create('x', { name: 'X', url: 'https://x.example/mcp', auth: { type: 'magic' } }, 'a'),
      400,
      /auth/,
    );
    await catalog.create('x', { name: 'X', url: 'https://x.example/mcp' }, 'a');
    await refused(catalog.create('x', { name: 'X', url: 'https://x.example/mcp' }, 'a'), 409, /taken/);
    await refused(
      catalog.create('y', { name: 'Y', url: 'https://y.example/mcp', toolPrefix: 'x' }, 'a'),
      409,
      /toolPrefix/,
    );
    await refused(
      catalog.update('nope', { name: 'N', url: 'https://n.example/mcp' }, 'a'),
      404,
      /no catalog entry/,
    );
    await catalog.update('x', { name: 'X2', url: 'https://x.example/mcp', enabled: false }, 'a');
    expect(await catalog.entry('x')).toBeUndefined(); // disabled: users do not see it
    await catalog.remove('x', 'a');
    await refused(catalog.remove('x', 'a'), 404, /no catalog entry/);
    expect(audited.map((event) => event.event)).toEqual([
      'hub.catalog.created',
      'hub.catalog.updated',
      'hub.catalog.deleted',
    ]);
    expect(audited[1]?.details).toMatchObject({ slug: 'x', fields: ['name', 'enabled'] });
  });

  it('maps a URL to its entry: same origin and path; anything else is outside the catalog', async () => {
    await catalog.create('gh', { name: 'GitHub', url: 'https://api.githubcopilot.com/mcp/' }, 'a');
    expect((await catalog.entryForUrl('https://api.githubcopilot.com/mcp')).slug).toBe('gh');
    await expect(catalog.entryForUrl('https://api.githubcopilot.com/other')).rejects.toMatchObject({
      status: 403,
    });
    await expect(catalog.entryForUrl('https://evil.example/mcp/')).rejects.toMatchObject({ status: 403 });
    await expect(catalog.entryForUrl('http://api.githubcopilot.com/mcp/')).rejects.toMatchObject({
      status: 400,
    });
    await expect(catalog.entryForUrl('nope')).rejects.toMatchObject({ status: 400 });
  });
});
