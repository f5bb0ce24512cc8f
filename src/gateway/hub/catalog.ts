import { type CatalogEntryConfig, catalogEntrySchema, catalogUrlProblem } from '../../config/hub-schema';
import type { AuditLog } from '../../telemetry';
import type { CatalogDefinition, CatalogRecord, CatalogStore } from './store';

/** An entry users may connect: enabled and not deleted. */
export interface CatalogEntry extends CatalogEntryConfig {
  url: string;
  source: CatalogRecord['source'];
  /** the prefix its tools carry, or '' for none */
  prefix: string;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

const toEntry = (record: CatalogRecord): CatalogEntry => {
  const prefix = record.definition.toolPrefix ?? record.slug;
  return {
    ...record.definition,
    // A stdio server has no URL: it is named `stdio:<slug>` (never dialled, never matched to a pasted URL).
    url: record.definition.url ?? `stdio:${record.slug}`,
    slug: record.slug,
    source: record.source,
    prefix: prefix === 'none' ? '' : prefix,
  };
};
const live = (record: CatalogRecord) => record.deletedAt === null && record.definition.enabled;

/**
 * Config is the typed source: a config entry is created, or updated while no admin has edited it; an
 * entry an admin edited is kept as edited; a config entry removed from the file is soft-deleted. A config
 * slug that an admin created in the console is a clear error (two owners for one name).
 */
export async function seedCatalog(
  store: CatalogStore,
  entries: readonly CatalogEntryConfig[],
  now: number,
): Promise<{ created: string[]; updated: string[]; keptEdited: string[]; removed: string[] }> {
  const existing = new Map((await store.list()).map((record) => [record.slug, record]));
  const result = {
    created: [] as string[],
    updated: [] as string[],
    keptEdited: [] as string[],
    removed: [] as string[],
  };
  for (const { slug, ...definition } of entries) {
    const record = existing.get(slug);
    if (!record) {
      await store.create({
        slug,
        definition,
        source: 'config',
        createdAt: now,
        updatedAt: now,
        createdBy: null,
        updatedBy: null,
        deletedAt: null,
      });
      result.created.push(slug);
    } else if (record.source === 'admin')
      throw new CatalogError(
        409,
        `hub.catalog: the slug "${slug}" belongs to an entry an admin created in the console; rename one of them`,
      );
    else if (record.source === 'edited') result.keptEdited.push(slug);
    else if (JSON.stringify(record.definition) !== JSON.stringify(definition) || record.deletedAt !== null) {
      await store.update(slug, {
        definition,
        source: 'config',
        updatedAt: now,
        updatedBy: null,
        deletedAt: null,
      });
      result.updated.push(slug);
    }
  }
  const named = new Set(entries.map((entry) => entry.slug));
  for (const record of existing.values())
    if (record.source === 'config' && record.deletedAt === null && !named.has(record.slug)) {
      await store.update(record.slug, { ...record, updatedAt: now, updatedBy: null, deletedAt: now });
      result.removed.push(record.slug);
    }
  return result;
}

export interface CatalogDeps {
  store: CatalogStore;
  audit: AuditLog;
  now(): number;
  /** development: http upstreams on loopback are allowed */
  allowLoopbackHttp: boolean;
  /** how long a read of the catalog is reused (other instances' edits show within this) */
  cacheMs?: number;
  /** called after every change (the hub drops its cached tool lists) */
  onChange?: () => void;
}

/** The approved catalog: what users may connect, and the admin operations on it (validated, audited). */
export function createCatalog(deps: CatalogDeps) {
  let cached: { at: number; records: CatalogRecord[] } | undefined;
  const records = async () => {
    const at = deps.now();
    if (!cached || at - cached.at > (deps.cacheMs ?? 5_000))
      cached = { at, records: await deps.store.list() };
    return cached.records;
  };
  const changed = () => {
    cached = undefined;
    deps.onChange?.();
  };

  const parseDefinition = (input: unknown): CatalogDefinition => {
    const parsed = catalogEntrySchema.omit({ slug: true }).safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CatalogError(400, `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}`);
    }
    // A command run on the Gatehouse host is configuration, never something an API call may add.
    if (parsed.data.stdio)
      throw new CatalogError(400, 'stdio: stdio servers are set in the configuration file only');
    if (parsed.data.url === undefined) throw new CatalogError(400, 'url: is required');
    const problem = catalogUrlProblem(parsed.data.url, { allowLoopbackHttp: deps.allowLoopbackHttp });
    if (problem) throw new CatalogError(problem.status, `url: ${problem.message}`);
    return parsed.data;
  };
  const checkPrefix = async (slug: string, definition: CatalogDefinition) => {
    const prefix = definition.toolPrefix ?? slug;
    if (prefix === 'none') return;
    const twin = (await deps.store.list()).find(
      (record) =>
        record.slug !== slug &&
        record.deletedAt === null &&
        (record.definition.toolPrefix ?? record.slug) === prefix,
    );
    if (twin) throw new CatalogError(409, `toolPrefix: "${prefix}" is already used by ${twin.slug}`);
  };

  return {
    /** entries users may connect, by slug order */
    async entries(): Promise<CatalogEntry[]> {
      return (await records()).filter(live).map(toEntry);
    },
    async entry(slug: string): Promise<CatalogEntry | undefined> {
      const record = (await records()).find((candidate) => candidate.slug === slug);
      return record && live(record) ? toEntry(record) : undefined;
    },
    /** every record, deleted ones included (admins) */
    all: () => deps.store.list(),

    /**
     * The entry an upstream URL belongs to: the same origin and path as an enabled entry. A URL outside the
     * catalog is refused (403); a malformed or plain-http one is a 400.
     */
    async entryForUrl(value: string): Promise<CatalogEntry> {
      const problem = catalogUrlProblem(value, { allowLoopbackHttp: deps.allowLoopbackHttp });
      if (problem) throw new CatalogError(problem.status, problem.message);
      const wanted = new URL(value);
      const found = (await this.entries()).find((entry) => {
        if (entry.stdio) return false;
        const url = new URL(entry.url);
        return (
          url.origin === wanted.origin &&
          url.pathname.replace(/\/$/, '') === wanted.pathname.replace(/\/$/, '')
        );
      });
      if (!found)
        throw new CatalogError(403, `${wanted.host} is not an approved server in this Gatehouse's catalog`);
      return found;
    },

    async create(slug: unknown, input: unknown, by: string): Promise<CatalogEntry> {
      if (typeof slug !== 'string' || !catalogEntrySchema.shape.slug.safeParse(slug).success)
        throw new CatalogError(400, 'slug: lower-case letters, digits and dashes, at most 32');
      const definition = parseDefinition(input);
      await checkPrefix(slug, definition);
      const at = deps.now();
      const record: CatalogRecord = {
        slug,
        definition,
        source: 'admin',
        createdAt: at,
        updatedAt: at,
        createdBy: by,
        updatedBy: by,
        deletedAt: null,
      };
      if (!(await deps.store.create(record)))
        throw new CatalogError(409, `slug: "${slug}" is already taken (deleted entries keep their slug)`);
      changed();
      await deps.audit.record({
        event: 'hub.catalog.created',
        userId: by,
        details: { slug, url: definition.url },
      });
      return toEntry(record);
    },

    async update(slug: string, input: unknown, by: string): Promise<CatalogEntry> {
      const existing = await deps.store.get(slug);
      if (!existing || existing.deletedAt !== null) throw new CatalogError(404, `no catalog entry "${slug}"`);
      const definition = parseDefinition(input);
      await checkPrefix(slug, definition);
      const source = existing.source === 'admin' ? 'admin' : 'edited';
      await deps.store.update(slug, {
        definition,
        source,
        updatedAt: deps.now(),
        updatedBy: by,
        deletedAt: null,
      });
      changed();
      await deps.audit.record({
        event: 'hub.catalog.updated',
        userId: by,
        details: { slug, fields: changedFields(existing.definition, definition) },
      });
      return toEntry({ ...existing, definition, source });
    },

    /** Soft delete: the entry vanishes from users' lists and the hub; its slug stays taken. */
    async remove(slug: string, by: string): Promise<void> {
      const existing = await deps.store.get(slug);
      if (!existing || existing.deletedAt !== null) throw new CatalogError(404, `no catalog entry "${slug}"`);
      const at = deps.now();
      await deps.store.update(slug, {
        ...existing,
        source: existing.source === 'admin' ? 'admin' : 'edited',
        updatedAt: at,
        updatedBy: by,
        deletedAt: at,
      });
      changed();
      await deps.audit.record({ event: 'hub.catalog.deleted', userId: by, details: { slug } });
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;

function changedFields(before: CatalogDefinition, after: CatalogDefinition): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof CatalogDefinition>;
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}
