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
  /** a connect tool: stands for an OAuth server the user has no working connection to */
  connect?: true;
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
  /** list a connect tool for each OAuth server the user has not connected (connect on demand) */
  connectTools: boolean;
}

/** The upstream name of a connect tool (shown as `<prefix>__connect`). */
export const CONNECT_TOOL = 'connect';

/** The tool that stands for a server the user has not connected: calling it asks them to connect. */
function connectTool(entry: CatalogEntry, broken: boolean): Tool {
  const about = entry.description ? ` (${entry.description})` : '';
  return {
    name: CONNECT_TOOL,
    title: `${broken ? 'Reconnect' : 'Connect'} ${entry.name}`,
    description: `${entry.name}${about} is ${broken ? 'no longer connected' : 'not connected yet'}. Calling this asks the user to sign in to ${entry.name} and choose what it may do; its tools are listed once connected.`,
    inputSchema: { type: 'object', properties: {} },
    annotations: { readOnlyHint: true, openWorldHint: true },
  };
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

  /** The entries the user can use now, and the OAuth ones they must (re)connect first. */
  async function usable(userId: string) {
    const entries = await deps.catalog.entries();
    const records = await deps.vault.list(userId);
    const active = new Set(records.filter((r) => r.status === 'active').map((r) => r.slug));
    const known = new Set(records.map((r) => r.slug));
    const usable = entries.filter((entry) => entry.auth.type !== 'oauth' || active.has(entry.slug));
    const unconnected = entries
      .filter((entry) => entry.auth.type === 'oauth' && !active.has(entry.slug))
      .map((entry) => ({ entry, broken: known.has(entry.slug) }));
    return { usable, unconnected };
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
    const { usable: entries, unconnected } = await usable(userId);
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
    const connectTools = deps.connectTools
      ? unconnected.map(({ entry, broken }) => ({ item: connectTool(entry, broken), entry }))
      : [];
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
    const tools = await rename([...named((l) => l.tools), ...connectTools]);
    // An unconnected entry lists nothing of its own: its one tool is the connect tool.
    const unconnectedSlugs = new Set(connectTools.map(({ entry }) => entry.slug));
    for (const [shown, route] of tools.routes)
      if (unconnectedSlugs.has(route.entry.slug)) tools.routes.set(shown, { ...route, connect: true });
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
        return route.connect ? tool : { ...tool, title: `${route.entry.name}: ${tool.title ?? route.name}` };
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
