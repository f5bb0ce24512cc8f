import { createMcpHandler, McpServer, type RequestStateCodec } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { sha256 } from '../crypto';
import { TASKS_EXTENSION } from '../gateway/hub/tasks';
import { type ListChanges, registerDiagnosticFixtures } from './diagnostic-fixtures';
import { registerConformanceFixtures } from './fixtures';
import { registerInputFixtures } from './input-fixtures';
import { registerTaskFixtures } from './task-fixtures';

export interface DemoUpstreamOptions {
  /** Whether a request's `Authorization` header is a key this upstream accepts; absent: every request. */
  acceptCredential?: (authorization: string | undefined) => boolean;
}

export interface DemoUpstream {
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

/** Notes are kept per credential: a team key shares them, each BYOK key has its own. */
type NoteBook = Map<string, string[]>;

/**
 * The demo MCP server's tools — and, for `gatehouse demo --conformance`, the conformance suite's fixtures
 * (with logging, resource subscriptions and signed multi-round-trip state) — for one request or one stdio
 * connection.
 */
export function createDemoServer(
  notes: NoteBook,
  owner: string,
  options: { conformance?: { states: RequestStateCodec; changes?: ListChanges } } = {},
): McpServer {
  const { conformance } = options;
  const server = new McpServer(
    { name: 'gatehouse-demo', version: '0.1.0' },
    conformance
      ? {
          capabilities: {
            logging: {},
            resources: { subscribe: true },
            extensions: { [TASKS_EXTENSION]: {} },
          },
          requestState: { verify: (state, ctx) => conformance.states.verify(state, ctx) },
        }
      : {},
  );
  server.registerTool(
    'echo',
    {
      description: 'Echoes the text back.',
      inputSchema: z.object({ text: z.string().describe('what to echo') }),
    },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'time',
    { description: 'The current time on the server (UTC, ISO 8601).' },
    async () => {
      const now = new Date().toISOString();
      return { content: [{ type: 'text', text: now }], structuredContent: { now } };
    },
  );
  server.registerTool(
    'notes.add',
    {
      description: 'Adds a note (a write: Gatehouse configures it to need a write scope).',
      inputSchema: z.object({ text: z.string().min(1).max(1000) }),
    },
    async ({ text }) => {
      const list = notes.get(owner) ?? [];
      list.push(text);
      notes.set(owner, list.slice(-100));
      return { content: [{ type: 'text', text: `added note ${list.length}` }] };
    },
  );
  server.registerTool('notes.list', { description: 'Lists the notes.' }, async () => {
    const list = notes.get(owner) ?? [];
    return {
      content: [
        { type: 'text', text: list.length ? list.map((n, i) => `${i + 1}. ${n}`).join('\n') : '(none)' },
      ],
    };
  });
  server.registerTool(
    'forbidden',
    { description: 'Always refused, like an upstream API answering 403 (for step-up).' },
    // Over HTTP the demo answers this call with a real HTTP 403 before it reaches here (see below); over
    // stdio there is no HTTP status, so the tool reports the same refusal as a result.
    async () => ({
      isError: true,
      content: [{ type: 'text', text: 'the demo API refused this call: 403 Forbidden' }],
      structuredContent: { httpStatus: 403 },
    }),
  );
  if (conformance) {
    registerConformanceFixtures(server);
    registerInputFixtures(server, conformance.states);
    registerDiagnosticFixtures(server, conformance.changes);
    registerTaskFixtures(server);
  }
  return server;
}

/**
 * The demo upstream over Streamable HTTP (stateless 2026-07-28 with the SDK's 2025-11-25 fallback). It
 * checks the credential Gatehouse sends, like a real API would, and answers a `forbidden` tool call with
 * HTTP 403, as an API gateway in front of an MCP server does.
 */
export function createDemoUpstream(options: DemoUpstreamOptions = {}): DemoUpstream {
  const notes: NoteBook = new Map();
  const handler = createMcpHandler(async (ctx) =>
    createDemoServer(notes, ctx.authInfo?.token ?? 'anonymous'),
  );
  return {
    async fetch(request) {
      const authorization = request.headers.get('authorization') ?? undefined;
      if (options.acceptCredential && !options.acceptCredential(authorization))
        return Response.json(
          { error: 'invalid_api_key', error_description: 'the demo API does not know this key' },
          { status: 401, headers: { 'www-authenticate': 'Bearer realm="demo"' } },
        );
      if (request.method === 'POST' && (await callsTool(request.clone(), 'forbidden')))
        return Response.json(
          { error: 'forbidden', error_description: 'this key may not use the forbidden tool' },
          { status: 403 },
        );
      const owner = authorization ? await sha256(authorization) : 'anonymous';
      return handler.fetch(request, { authInfo: { token: owner, clientId: 'demo', scopes: [] } });
    },
    close: () => handler.close(),
  };
}

async function callsTool(request: Request, name: string): Promise<boolean> {
  try {
    const body = (await request.json()) as { method?: unknown; params?: { name?: unknown } };
    return body.method === 'tools/call' && body.params?.name === name;
  } catch {
    return false;
  }
}
