import { fromJsonSchema, inputRequired, type McpServer } from '@modelcontextprotocol/server';

/** Announces list changes to `subscriptions/listen` streams (the handler's notifier). */
export interface ListChanges {
  toolsChanged(): void;
  promptsChanged(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** A SEP-2243 argument annotation: a keyword JSON Schema's types do not know. */
const HEADER_TOOL_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    query: { type: 'string' },
  },
  required: ['region'],
};

/**
 * The conformance suite's diagnostic hooks: an SSE stream closed mid-call (SEP-1699 polling), a tool that
 * needs an undeclared capability (-32021), a streamed input request, a tool that logs only when asked,
 * list mutations for subscription streams (SEP-2575), resource subscriptions, and a tool whose argument
 * rides in an `Mcp-Param-*` header (SEP-2243).
 */
export function registerDiagnosticFixtures(server: McpServer, changes: ListChanges | undefined): void {
  server.registerTool('test_reconnection', { description: 'Closes its SSE stream mid-call' }, async (ctx) => {
    await sleep(50);
    // The client reconnects with Last-Event-ID and gets the result from the event store.
    ctx.http?.closeSSE?.();
    await sleep(200);
    return text('Reconnection test completed');
  });
  // Refused before it runs when the client did not declare sampling: see missingCapability().
  server.registerTool('test_missing_capability', { description: 'Needs sampling' }, async () =>
    text('The client declared sampling'),
  );
  server.registerTool('test_streaming_elicitation', { description: 'Streams, then asks' }, async (ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    if (token !== undefined)
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress: 1 },
      });
    if (ctx.mcpReq.inputResponses?.answer) return text('Thanks');
    return inputRequired({
      inputRequests: {
        answer: inputRequired.elicit({
          message: 'Anything to add?',
          requestedSchema: { type: 'object', properties: { note: { type: 'string' } } },
        }),
      },
    });
  });
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs (only when the request asks)' },
    async (ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return text('Logged (if a log level was asked for)');
    },
  );
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Announces a tool list change' },
    async () => {
      changes?.toolsChanged();
      return text('Tool list changed');
    },
  );
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Announces a prompt list change' },
    async () => {
      changes?.promptsChanged();
      return text('Prompt list changed');
    },
  );
  server.registerTool(
    'test_header_parameter',
    {
      description: 'Its region argument is mirrored in the Mcp-Param-Region header (SEP-2243)',
      inputSchema: fromJsonSchema(HEADER_TOOL_SCHEMA as Parameters<typeof fromJsonSchema>[0]),
    },
    async (args) => text(`Region: ${String((args as { region?: unknown }).region)}`),
  );
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
}

/**
 * SEP-2575: a request the server cannot serve without a capability the client did not declare is answered
 * -32021 with HTTP 400. McpServer turns whatever a tool handler throws into a tool result, so the demo
 * checks before the SDK sees the call. Undefined when the request may go on.
 */
export async function missingCapability(request: Request): Promise<Response | undefined> {
  if (request.method !== 'POST') return undefined;
  let body: { id?: unknown; method?: unknown; params?: { name?: unknown; _meta?: Record<string, unknown> } };
  try {
    body = (await request.clone().json()) as typeof body;
  } catch {
    return undefined;
  }
  if (body.method !== 'tools/call' || body.params?.name !== 'test_missing_capability') return undefined;
  const declaredHere = body.params._meta?.['io.modelcontextprotocol/clientCapabilities'] as
    | Record<string, unknown>
    | undefined;
  if (declaredHere?.sampling) return undefined;
  return Response.json(
    {
      jsonrpc: '2.0',
      id: body.id ?? null,
      error: {
        code: -32021,
        message: 'test_missing_capability needs the sampling capability, which the client did not declare',
        data: { requiredCapabilities: { sampling: {} } },
      },
    },
    { status: 400 },
  );
}
