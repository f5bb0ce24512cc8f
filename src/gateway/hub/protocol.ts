import {
  type AuthInfo,
  createMcpHandler,
  ProtocolError,
  ProtocolErrorCode,
  Server,
} from '@modelcontextprotocol/server';
import { fromBase64Url, toBase64Url, utf8 } from '../../crypto';
import type { Links } from './links';
import { TASKS_EXTENSION } from './tasks';
import { createUserBus } from './user-bus';
import type { HubView, Views } from './view';

const PAGE_SIZE = 100;
type Kind = 'tools' | 'prompts' | 'resources' | 'templates';

/** An opaque cursor: which list and where in it. Anything else is refused (-32602). */
export function page<T>(
  items: T[],
  kind: Kind,
  cursor: string | undefined,
): { items: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    try {
      const parsed = JSON.parse(utf8.decode(fromBase64Url(cursor))) as { k?: unknown; o?: unknown };
      if (parsed.k !== kind || typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0)
        throw new Error('wrong cursor');
      offset = parsed.o;
    } catch {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'invalid cursor');
    }
  }
  const next = offset + PAGE_SIZE;
  return {
    items: items.slice(offset, next),
    ...(next < items.length
      ? { nextCursor: toBase64Url(utf8.encode(JSON.stringify({ k: kind, o: next }))) }
      : {}),
  };
}

/** What the hub says about upstreams it could not list, on every list (MCP `_meta`). */
export const skippedMeta = (view: HubView) =>
  view.skipped.length > 0 ? { _meta: { 'io.gatehouse/skipped': view.skipped } } : {};

/**
 * The hub's own MCP server: it answers the handshake and discovery (both eras, through the SDK), the
 * lists (from the user's view), and bridges what it forwards no other way — prompts across eras, resource
 * reads, and a tool call the message-level path could not take — through the user's SDK link to the
 * upstream.
 */
export function createHubProtocol(deps: {
  name: string;
  views: Views;
  links: Links;
  /** a tool call the hub serves here (batched, or across eras) */
  callTool(
    userId: string,
    view: HubView,
    params: { name: string; arguments?: Record<string, unknown> },
  ): Promise<unknown>;
  /** a user's first `subscriptions/listen` stream opened (true), or their last one closed (false) */
  onListening?(userId: string, listening: boolean): void;
}) {
  const userOf = (authInfo: AuthInfo | undefined) => {
    if (!authInfo) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'not signed in');
    return authInfo.token;
  };
  const users = createUserBus(deps.onListening);
  const handler = createMcpHandler(
    (ctx) => {
      const userId = userOf(ctx.authInfo);
      const view = () => deps.views.view(userId);
      const server = new Server(
        { name: deps.name, version: '0.1.0' },
        {
          capabilities: {
            tools: { listChanged: true },
            prompts: { listChanged: true },
            resources: {},
            completions: {},
            // Tasks an upstream makes are relayed, their `tasks/*` routed to it (endpoint.ts, tasks.ts).
            extensions: { [TASKS_EXTENSION]: {} },
          },
        },
      );
      server.setRequestHandler('tools/list', async (request) => {
        const current = await view();
        const { items, nextCursor } = page(current.tools, 'tools', request.params?.cursor);
        return { tools: items, ...(nextCursor ? { nextCursor } : {}), ...skippedMeta(current) };
      });
      server.setRequestHandler('prompts/list', async (request) => {
        const current = await view();
        const { items, nextCursor } = page(current.prompts, 'prompts', request.params?.cursor);
        return { prompts: items, ...(nextCursor ? { nextCursor } : {}), ...skippedMeta(current) };
      });
      server.setRequestHandler('resources/list', async (request) => {
        const current = await view();
        const { items, nextCursor } = page(current.resources, 'resources', request.params?.cursor);
        return { resources: items, ...(nextCursor ? { nextCursor } : {}), ...skippedMeta(current) };
      });
      server.setRequestHandler('resources/templates/list', async (request) => {
        const current = await view();
        const { items, nextCursor } = page(current.templates, 'templates', request.params?.cursor);
        return { resourceTemplates: items, ...(nextCursor ? { nextCursor } : {}), ...skippedMeta(current) };
      });
      server.setRequestHandler('tools/call', async (request) => {
        const current = await view();
        if (!current.toolRoutes.has(request.params.name))
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${request.params.name} not found`);
        return (await deps.callTool(userId, current, request.params)) as never;
      });
      server.setRequestHandler('completion/complete', async (request) => {
        const current = await view();
        const ref = request.params.ref;
        if (ref.type === 'ref/prompt') {
          const route = current.promptRoutes.get(ref.name);
          if (!route) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown prompt ${ref.name}`);
          const link = await deps.links.get(userId, route.entry);
          return link.client.complete({ ...request.params, ref: { ...ref, name: route.name } });
        }
        const entry = deps.views.resourceEntry(current, ref.uri);
        if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown resource ${ref.uri}`);
        return (await deps.links.get(userId, entry)).client.complete(request.params);
      });
      server.setRequestHandler('prompts/get', async (request) => {
        const current = await view();
        const route = current.promptRoutes.get(request.params.name);
        if (!route)
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown prompt ${request.params.name}`);
        const link = await deps.links.get(userId, route.entry);
        return link.client.getPrompt({ ...request.params, name: route.name });
      });
      server.setRequestHandler('resources/read', async (request) => {
        const current = await view();
        const entry = deps.views.resourceEntry(current, request.params.uri);
        if (!entry)
          throw new ProtocolError(
            ProtocolErrorCode.InvalidParams,
            `Resource ${request.params.uri} not found`,
            {
              uri: request.params.uri,
            },
          );
        const link = await deps.links.get(userId, entry);
        return link.client.readResource(request.params);
      });
      return server;
    },
    { legacy: 'stateless', bus: users.bus },
  );
  return {
    /** Serves one request for a signed-in user. */
    fetch: (request: Request, userId: string, clientId: string, scopes: string[]) =>
      users.run(userId, () => handler.fetch(request, { authInfo: { token: userId, clientId, scopes } })),
    /**
     * Tells listening clients (2026-07-28 subscriptions) to list tools again: one user's (their connections
     * changed), or everyone's (the catalog changed).
     */
    toolsChanged: (userId?: string) =>
      userId === undefined
        ? handler.notify.toolsChanged()
        : users.publishTo(userId, { kind: 'tools_list_changed' }),
    /** Tells a user's listening clients to list prompts again (an upstream's prompts changed). */
    promptsChanged: (userId: string) => users.publishTo(userId, { kind: 'prompts_list_changed' }),
    close: () => handler.close(),
  };
}

export type HubProtocol = ReturnType<typeof createHubProtocol>;
