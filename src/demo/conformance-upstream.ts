import { randomBytes, randomUUID } from 'node:crypto';
import {
  createMcpHandler,
  createRequestStateCodec,
  type EventStore,
  hostHeaderValidationResponse,
  isLegacyRequest,
  type JSONRPCMessage,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type RequestStateCodec,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { missingCapability } from './diagnostic-fixtures';
import { createTaskSurface } from './task-fixtures';
import { createDemoServer, type DemoUpstream } from './upstream';

/** Open 2025-era sessions kept at most; the oldest goes first. */
const MAX_SESSIONS = 500;

/** A fresh HMAC key for the multi-round-trip state of one demo process. */
export function conformanceStates(): RequestStateCodec {
  return createRequestStateCodec({ key: randomBytes(32) });
}

/**
 * `gatehouse demo --conformance` over Streamable HTTP: the demo with every fixture, served the way the
 * conformance suite expects of a complete server — 2026-07-28 requests statelessly; 2025-11-25 clients in
 * sessions (server-to-client requests, logging, subscriptions) with resumable SSE (priming event, `retry`,
 * `Last-Event-ID` replay); and, as a local server without authentication, DNS-rebinding protection
 * (only localhost Host and Origin).
 */
export function createConformanceUpstream(): DemoUpstream {
  const notes = new Map<string, string[]>();
  const states = conformanceStates();
  const changes = {
    toolsChanged: () => modern.notify.toolsChanged(),
    promptsChanged: () => modern.notify.promptsChanged(),
  };
  const factory = () => createDemoServer(notes, 'conformance', { conformance: { states, changes } });
  // Serves 2026-07-28 requests, and 2025-era requests that come without a session (stateless clients,
  // such as a gateway's per-call bridge); an `initialize` opens a session instead.
  const modern = createMcpHandler(factory);
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const taskSurface = createTaskSurface();
  const hosts = localhostAllowedHostnames();
  const origins = localhostAllowedOrigins();

  async function legacy(request: Request): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const transport = sessions.get(id);
      if (!transport)
        return Response.json(
          { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } },
          { status: 404 },
        );
      return transport.handleRequest(request);
    }
    if (!(await opensSession(request))) return modern.fetch(request);
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: memoryEventStore(),
      retryInterval: 1000,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, transport);
        if (sessions.size > MAX_SESSIONS) {
          const oldest = sessions.keys().next().value;
          if (oldest !== undefined) void sessions.get(oldest)?.close();
        }
      },
      onsessionclosed: (sessionId) => {
        sessions.delete(sessionId);
      },
    });
    await factory().connect(transport);
    return transport.handleRequest(request);
  }

  return {
    async fetch(request) {
      const refused =
        hostHeaderValidationResponse(request, hosts) ?? originValidationResponse(request, origins);
      if (refused) return refused;
      if (await isLegacyRequest(request.clone())) return legacy(request);
      return (await taskSurface(request)) ?? (await missingCapability(request)) ?? modern.fetch(request);
    },
    async close() {
      for (const transport of sessions.values()) await transport.close();
      await modern.close();
    },
  };
}

/** A 2025-era `initialize` (alone or first in a batch): the start of a session. */
async function opensSession(request: Request): Promise<boolean> {
  if (request.method !== 'POST') return false;
  try {
    const body = (await request.clone().json()) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    return (first as { method?: unknown } | undefined)?.method === 'initialize';
  } catch {
    return false;
  }
}

/** Events of each SSE stream, kept in memory so a client reconnecting with Last-Event-ID gets the rest. */
function memoryEventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  let next = 0;
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}_${++next}`;
      events.push({ id, streamId, message });
      if (events.length > 1000) events.shift();
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((event) => event.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const at = events.findIndex((event) => event.id === lastEventId);
      const streamId = at >= 0 ? (events[at]?.streamId ?? '') : (lastEventId.split('_')[0] ?? '');
      for (const event of events.slice(at + 1))
        if (event.streamId === streamId) await send(event.id, event.message);
      return streamId;
    },
  };
}
