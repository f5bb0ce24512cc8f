/** Just enough JSON-RPC 2.0 for the proxy to judge and answer MCP messages it forwards. Pure. */

import type { PlainAnswer } from '../http/plain';
import type { McpFacts } from '../telemetry';

export type JsonRpcId = string | number;

export interface RpcMessage {
  jsonrpc?: unknown;
  id?: JsonRpcId | null;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** The messages of a POST body (one, or a batch), or undefined when it is not JSON-RPC shaped. */
export function parseMessages(body: string): RpcMessage[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0 || !list.every(isObject)) return undefined;
  return list as RpcMessage[];
}

/** A request expects an answer: it has a method and an id. */
export function isRequest(message: RpcMessage): message is RpcMessage & { id: JsonRpcId; method: string } {
  return (
    typeof message.method === 'string' && (typeof message.id === 'string' || typeof message.id === 'number')
  );
}

/** The tool a `tools/call` names, else undefined. */
export function calledTool(message: RpcMessage): string | undefined {
  if (message.method !== 'tools/call' || !isObject(message.params)) return undefined;
  const name = message.params.name;
  return typeof name === 'string' ? name : '';
}

/** Whether a body text is one or more JSON-RPC responses (an upstream's own error answer). */
export function isRpcResponseBody(body: string): boolean {
  const messages = parseMessages(body);
  return (
    messages?.every(
      (m) => m.jsonrpc === '2.0' && ('result' in m || 'error' in m) && m.method === undefined,
    ) ?? false
  );
}

/**
 * Whether a message speaks MCP 2026-07-28 or later (per-request envelope: the protocol version travels in
 * the header and in `_meta`). Such a caller expects `resultType` on every result.
 */
export function isModernWire(message: RpcMessage, versionHeader: string | null): boolean {
  const meta = isObject(message.params) && isObject(message.params._meta) ? message.params._meta : {};
  const version = meta['io.modelcontextprotocol/protocolVersion'] ?? versionHeader ?? '';
  return typeof version === 'string' && version >= '2026-07-28';
}

/** A tool error result: the model reads `content`, software reads `structuredContent.httpStatus`. */
export function toolErrorResponse(
  id: JsonRpcId,
  message: string,
  httpStatus: number,
  modern = false,
  extra: Record<string, unknown> = {},
) {
  return {
    jsonrpc: '2.0',
    id,
    result: {
      ...(modern ? { resultType: 'complete' } : {}),
      isError: true,
      content: [{ type: 'text', text: message }],
      structuredContent: { httpStatus, error: message, ...extra },
    },
  };
}

/** A JSON-RPC error for a non-tool request the upstream could not answer (-32603 internal error). */
export function rpcErrorResponse(id: JsonRpcId, message: string, httpStatus: number) {
  return { jsonrpc: '2.0', id, error: { code: -32603, message, data: { httpStatus } } };
}

/** The answer to each request in `messages` when the upstream failed: tool errors for tool calls. */
export function failureAnswers(
  messages: readonly RpcMessage[],
  message: string,
  httpStatus: number,
  versionHeader: string | null = null,
  extra: Record<string, unknown> = {},
) {
  return messages
    .filter(isRequest)
    .map((m) =>
      m.method === 'tools/call'
        ? toolErrorResponse(m.id, message, httpStatus, isModernWire(m, versionHeader), extra)
        : rpcErrorResponse(m.id, message, httpStatus),
    );
}

/**
 * Rewrites each tool of a `tools/list` response message: `adjust` returns the tool as the caller sees it,
 * or undefined to leave it out. Any other message is returned unchanged.
 */
export function adjustToolList(
  message: unknown,
  listIds: ReadonlySet<JsonRpcId>,
  adjust: (tool: Record<string, unknown> & { name: string }) => Record<string, unknown> | undefined,
) {
  if (!isObject(message) || !listIds.has(message.id as JsonRpcId) || !isObject(message.result))
    return message;
  const tools = message.result.tools;
  if (!Array.isArray(tools)) return message;
  const adjusted: Array<Record<string, unknown>> = [];
  for (const tool of tools) {
    if (!isObject(tool) || typeof tool.name !== 'string') continue;
    const shown = adjust(tool as Record<string, unknown> & { name: string });
    if (shown) adjusted.push(shown);
  }
  return { ...message, result: { ...message.result, tools: adjusted } };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** MCP methods named as themselves in logs and metrics; anything else is `other` (bounded series). */
const KNOWN_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'server/discover',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

/** What a POST asks, for the request log and the metrics: the (first) method, and the tool it calls. */
export function mcpFactsOf(endpoint: string, messages: readonly RpcMessage[]): McpFacts | undefined {
  const first = messages[0];
  if (!first) return undefined;
  if (typeof first.method !== 'string') return { endpoint, method: 'response' };
  const method = messages.length > 1 ? 'batch' : KNOWN_METHODS.has(first.method) ? first.method : 'other';
  const tool = messages.length === 1 ? calledTool(first) : undefined;
  return tool === undefined ? { endpoint, method } : { endpoint, method, tool };
}

/** How a call went, as far as can be seen cheaply: an error status, a JSON-RPC error or a tool error. */
export function answerOutcome(answer: PlainAnswer): 'ok' | 'error' {
  if (answer.status < 200 || answer.status > 299) return 'error';
  const body = answer.body;
  const text =
    typeof body === 'string'
      ? body.slice(0, 65_536)
      : body instanceof Uint8Array
        ? new TextDecoder().decode(body.subarray(0, 65_536))
        : '';
  return /"isError"\s*:\s*true|"error"\s*:\s*\{/.test(text) ? 'error' : 'ok';
}

/**
 * The body with W3C trace context in each request's `params._meta` (`traceparent`, `tracestate`: the keys
 * MCP reserves for it), or undefined when it carries no request.
 */
export function withTraceContext(
  messages: readonly RpcMessage[],
  traceparent: string,
  tracestate: string | undefined,
): string | undefined {
  if (!messages.some(isRequest)) return undefined;
  const traced = messages.map((message) => {
    if (!isRequest(message) || (message.params !== undefined && !isObject(message.params))) return message;
    const params = (message.params ?? {}) as Record<string, unknown>;
    const meta = isObject(params._meta) ? params._meta : {};
    const { tracestate: _old, ...kept } = meta;
    return {
      ...message,
      params: { ...params, _meta: { ...kept, traceparent, ...(tracestate ? { tracestate } : {}) } },
    };
  });
  return JSON.stringify(traced.length === 1 ? traced[0] : traced);
}
