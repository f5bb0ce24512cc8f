import type {
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/client';
import type { Logger } from '../../telemetry';
import type { Catalog, CatalogEntry } from './catalog';
import type { Health } from './health';
import { asUnavailable, type Links, UpstreamUnavailable } from './links';
import { hubNames, type UpstreamName } from './names';
import type { Vault } from './vault';

/** Where a shown name or URI leads. */
export interface Route {
  entry: CatalogEntry;
  /** the upstream's own name (tool, prompt) */
  name: string;
}

export interface SkippedUpstream {
  upstream: string;
  name: string;
  reason: string;
  httpStatus: number;
}

/** Everything one user sees through the hub, built from every upstream they can use. */
export interface HubView {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  templates: ResourceTemplate[];
  toolRoutes: Map<string, Route>;
  promptRoutes: Map<string, Route>;
  /** resource URI -> the entry that listed it (the first one wins) */
  resourceRoutes: Map<string, CatalogEntry>;
  /** the fixed part of each template (before its first `{`) -> entry */
  templateRoutes: Array<{ prefix: string; entry: CatalogEntry }>;
  skipped: SkippedUpstream[];
  /** the entries the user can use (for connect-on-demand and the connections page) */
  entries: CatalogEntry[];
}

export interface ViewDeps {
  catalog: Catalog;
  vault: Vault;
  links: Links;
  health: Health;
  logger: Logger;
  now(): number;
  cacheMs: number;
}

/** The most pages read from one upstream's list (a runaway cursor stops here). */
const MAX_PAGES = 20;

interface Listed {
  entry: CatalogEntry;
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  templates: ResourceTemplate[];
}

async function pages<T>(
  fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
) {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor);
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}

/** Per-user views, cached briefly; dropped for a user on connect/disconnect, for all on catalog changes. */
export function createViews(deps: ViewDeps) {
  const cache = new Map<string, { at: number; view: Promise<HubView> }>();

  async function usable(userId: string): Promise<CatalogEntry[]> {
    const entries = await deps.catalog.entries();
    const connected = new Set(
      (await deps.vault.list(userId))
        .filter((record) => record.status === 'active')
        .map((record) => record.slug),
    );
    return entries.filter((entry) => entry.auth.type !== 'oauth' || connected.has(entry.slug));
  }

  async function list(userId: string, entry: CatalogEntry): Promise<Listed> {
    // The credential first: the SDK would report a refused one only as a closed connection.
    const credential = await deps.vault.credential(userId, entry);
    if (!credential.ok) throw new UpstreamUnavailable(credential.message, credential.httpStatus);
    const link = await deps.links.get(userId, entry);
    const caps = link.client.getServerCapabilities() ?? {};
    const client = link.client;
    const params = (cursor?: string) => (cursor ? { cursor } : {});
    const [tools, prompts, resources, templates] = await Promise.all([
      caps.tools
        ? pages((c) =>
            client.listTools(params(c)).then((r) => ({ items: r.tools, nextCursor: r.nextCursor })),
          )
        : [],
      caps.prompts
        ? pages((c) =>
            client.listPrompts(params(c)).then((r) => ({ items: r.prompts, nextCursor: r.nextCursor })),
          )
        : [],
      caps.resources
        ? pages((c) =>
            client.listResources(params(c)).then((r) => ({ items: r.resources, nextCursor: r.nextCursor })),
          )
        : [],
      caps.resources
        ? pages((c) =>
            client
              .listResourceTemplates(params(c))
              .then((r) => ({ items: r.resourceTemplates, nextCursor: r.nextCursor })),
          )
        : [],
    ]);
    deps.health.listed(entry.slug, tools.length);
    return { entry, tools, prompts, resources, templates };
  }

  async function build(userId: string): Promise<HubView> {
    const entries = await usable(userId);
    const skipped: SkippedUpstream[] = [];
    const settled = await Promise.all(
      entries.map((entry) =>
        list(userId, entry).catch((error: unknown) => {
          const failure = asUnavailable(error, entry);
          deps.links.drop(userId, entry.slug);
          deps.health.failed(entry.slug, failure.message);
          deps.logger.warn(
            { upstream: entry.slug, reason: failure.message },
            'hub upstream skipped in a list',
          );
          skipped.push({
            upstream: entry.slug,
            name: entry.name,
            reason: failure.message,
            httpStatus: failure.httpStatus,
          });
          return undefined;
        }),
      ),
    );
    const listed = settled.filter((item): item is Listed => item !== undefined);
    const named = <T extends { name: string }>(pick: (l: Listed) => T[]) =>
      listed.flatMap((l) => pick(l).map((item) => ({ item, entry: l.entry })));
    const rename = async <T extends { name: string }>(items: Array<{ item: T; entry: CatalogEntry }>) => {
      const names = await hubNames(
        items.map(
          ({ item, entry }): UpstreamName => ({
            entry: entry.slug,
            prefix: entry.prefix || null,
            name: item.name,
          }),
        ),
      );
      const out: T[] = [];
      const routes = new Map<string, Route>();
      items.forEach(({ item, entry }, index) => {
        const shown = names.shown[index];
        if (shown === undefined) return;
        out.push({ ...item, name: shown });
        routes.set(shown, { entry, name: item.name });
      });
      return { out, routes };
    };
    const tools = await rename(named((l) => l.tools));
    const prompts = await rename(named((l) => l.prompts));
    const resourceRoutes = new Map<string, CatalogEntry>();
    const resources: Resource[] = [];
    for (const l of listed)
      for (const resource of l.resources)
        if (!resourceRoutes.has(resource.uri)) {
          resourceRoutes.set(resource.uri, l.entry);
          resources.push(resource);
        }
    const templateRoutes: HubView['templateRoutes'] = [];
    const templates: ResourceTemplate[] = [];
    for (const l of listed)
      for (const template of l.templates) {
        templates.push(template);
        templateRoutes.push({ prefix: template.uriTemplate.split('{')[0] ?? '', entry: l.entry });
      }
    return {
      tools: tools.out.map((tool) => {
        const route = tools.routes.get(tool.name) as Route;
        return { ...tool, title: `${route.entry.name}: ${tool.title ?? route.name}` };
      }),
      prompts: prompts.out,
      resources,
      templates,
      toolRoutes: tools.routes,
      promptRoutes: prompts.routes,
      resourceRoutes,
      templateRoutes,
      skipped,
      entries,
    };
  }

  return {
    view(userId: string): Promise<HubView> {
      const held = cache.get(userId);
      if (held && deps.now() - held.at < deps.cacheMs) return held.view;
      const view = build(userId);
      cache.set(userId, { at: deps.now(), view });
      // A view with skipped upstreams is not kept: the next list tries them again.
      view.then(
        (built) => {
          if (built.skipped.length > 0 && cache.get(userId)?.view === view) cache.delete(userId);
        },
        () => cache.delete(userId),
      );
      return view;
    },
    /** The entry serving a resource URI: listed exactly, else the longest template prefix that matches. */
    resourceEntry(view: HubView, uri: string): CatalogEntry | undefined {
      const exact = view.resourceRoutes.get(uri);
      if (exact) return exact;
      const matches = view.templateRoutes.filter((t) => t.prefix.length > 0 && uri.startsWith(t.prefix));
      matches.sort((a, b) => b.prefix.length - a.prefix.length);
      return matches[0]?.entry;
    },
    forget(userId: string) {
      cache.delete(userId);
    },
    forgetAll() {
      cache.clear();
    },
  };
}

export type Views = ReturnType<typeof createViews>;
