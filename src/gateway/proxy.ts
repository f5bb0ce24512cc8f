import { type PlainAnswer, type PlainRequest, plainJson } from '../http/plain';
import type { Logger, UpstreamErrorClass } from '../telemetry';
import {
  adjustToolList,
  answerOutcome,
  calledTool,
  failureAnswers,
  isRequest,
  isRpcResponseBody,
  type JsonRpcId,
  mcpFactsOf,
  parseMessages,
  type RpcMessage,
  withTraceContext,
} from './json-rpc';
import type { SessionBinding } from './session-binding';
import { rewriteSseMessages, sseAnswerState } from './sse';
import { type ToolScopes, withScopeNote } from './tool-scopes';
import { type Upstream, type UpstreamReply, UpstreamTimeout } from './upstream';
import { UpstreamBodyError } from './upstream-body';

export { fetchUpstream, type UpstreamFetch } from './upstream';

export type UpstreamCredential =
  | {
      ok: true;
      header?: { name: string; value: string };
      extraHeaders?: Array<{ name: string; value: string }>;
    }
  | { ok: false; message: string; httpStatus: number };

/** The authenticated caller of a protected endpoint, as the proxy needs it. */
export interface Caller {
  /** stable per caller (a user id, `service:…`, or a BYOK key hash): upstream sessions are bound to it */
  subject: string;
  /** the OAuth client (or `pat:…`, `service:…`) the caller used, for the audit */
  clientId?: string;
  /** how the caller authenticated, for the audit */
  via?: 'oauth' | 'pat' | 'service' | 'byok';
  /** scopes granted at this endpoint; undefined when Gatehouse scopes do not apply (BYOK) */
  scopes?: readonly string[];
  /** the credential the upstream gets (resolved per request: an IdP token may need a refresh) */
  credential(): Promise<UpstreamCredential>;
}

export interface EndpointProxyOptions {
  upstream: Upstream;
  timeoutMs: number;
  tools: ToolScopes;
  sessions: SessionBinding;
  /** leave tools the caller lacks the scopes for out of tools/list (default: list them, noted) */
  hideToolsWithoutScope?: boolean;
  /** the WWW-Authenticate value of a 403 for a tool whose scopes the caller lacks */
  scopeChallenge(needed: readonly string[]): string;
  logger: Logger;
  /** the most Gatehouse buffers of one answer (JSON answers, filtered tool lists); default 16 MiB */
  maxResponseBytes?: number;
  /** the endpoint's path, named in the request log and the metrics */
  path?: string;
  /** after each tools/call (the audit): which tool, how it went, how long it took */
  onToolCall?(call: { caller: Caller; tool: string; outcome: 'ok' | 'error'; ms: number }): void;
  /** an upstream failure, by class (the metrics) */
  onUpstreamError?(kind: UpstreamErrorClass): void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** An error answer is read only to explain it: a small cap. */
const MAX_ERROR_BYTES = 64 * 1024;

/** Request headers an MCP upstream needs; everything else (Authorization, Cookie, Origin…) stays here. */
const FORWARDED_REQUEST = new Set(['accept', 'content-type', 'last-event-id', 'traceparent', 'tracestate']);
const RETURNED_RESPONSE = ['content-type', 'cache-control', 'mcp-protocol-version', 'retry-after'];

/**
 * Serves one protected endpoint by forwarding MCP Streamable HTTP to its upstream, message for message:
 * streams (SSE), progress, sampling and elicitation pass untouched. What Gatehouse adds: per-tool scopes
 * (unlisted, and a 403 scope challenge when called), the configured upstream credential in place of the
 * caller's token (which never leaves Gatehouse), sessions bound to the caller, a timeout, and upstream
 * failures answered as readable tool errors with the upstream's HTTP status.
 */
export function createEndpointProxy(options: EndpointProxyOptions) {
  const { tools, sessions } = options;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const upstreamError = (kind: UpstreamErrorClass) => options.onUpstreamError?.(kind);

  return async function proxy(request: PlainRequest, caller: Caller): Promise<PlainAnswer> {
    if (!['POST', 'GET', 'DELETE'].includes(request.method))
      return plainJson(
        405,
        { error: 'method_not_allowed', error_description: 'MCP endpoints take POST, GET and DELETE' },
        { allow: 'POST, GET, DELETE' },
      );
    const body = request.method === 'POST' ? (request.body ?? '') : undefined;
    const messages = body === undefined ? [] : parseMessages(body);
    if (!messages)
      return plainJson(400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'the body is not a JSON-RPC message' },
      });
    const facts = options.path === undefined ? undefined : mcpFactsOf(options.path, messages);
    if (facts && request.facts) request.facts.mcp = facts;
    if (facts?.tool === undefined || !options.onToolCall) return forward(request, caller, messages, body);
    const started = performance.now();
    const answer = await forward(request, caller, messages, body);
    const outcome = answerOutcome(answer);
    if (request.facts) request.facts.outcome = outcome;
    options.onToolCall({ caller, tool: facts.tool, outcome, ms: Math.round(performance.now() - started) });
    return answer;
  };

  async function forward(
    request: PlainRequest,
    caller: Caller,
    messages: RpcMessage[],
    received: string | undefined,
  ): Promise<PlainAnswer> {
    let body = received;
    // Per-tool scopes (MCP 2026-07-28 scope challenge, RFC 6750 §3.1): a tool the token cannot use.
    if (caller.scopes) {
      for (const message of messages) {
        const tool = calledTool(message);
        if (tool === undefined || tools.allows(tool, caller.scopes)) continue;
        const needed = tools.needed(tool);
        return plainJson(
          403,
          { error: 'insufficient_scope', error_description: `the tool ${tool} needs: ${needed.join(' ')}` },
          { 'www-authenticate': options.scopeChallenge(needed) },
        );
      }
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers()) {
      if (FORWARDED_REQUEST.has(name) || (name.startsWith('mcp-') && name !== 'mcp-session-id'))
        headers[name] = value;
    }
    // Tracing on: the upstream joins Gatehouse's span (W3C header, and the MCP `_meta` keys).
    const trace = request.facts?.traceparent;
    if (trace) {
      headers.traceparent = trace;
      if (request.facts?.tracestate) headers.tracestate = request.facts.tracestate;
      else delete headers.tracestate;
      if (body !== undefined) body = withTraceContext(messages, trace, request.facts?.tracestate) ?? body;
    }
    const presentedSession = request.header('mcp-session-id');
    if (presentedSession !== undefined) {
      const upstreamSession = await sessions.unwrap(caller.subject, presentedSession);
      // MCP Streamable HTTP: an unknown session id is a 404; the client starts a new session.
      if (!upstreamSession)
        return plainJson(404, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32001, message: 'session not found' },
        });
      headers['mcp-session-id'] = upstreamSession;
    }
    const credential = await caller.credential();
    if (!credential.ok) return failure(request, messages, credential.message, credential.httpStatus);
    if (credential.header) headers[credential.header.name.toLowerCase()] = credential.header.value;
    for (const extra of credential.extraHeaders ?? []) headers[extra.name.toLowerCase()] = extra.value;

    const requestIds = new Set(messages.filter(isRequest).map((m) => m.id));
    let answer: UpstreamReply;
    try {
      answer = await options.upstream.call({
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        timeoutMs: options.timeoutMs,
        ...(request.signal ? { callerSignal: request.signal } : {}),
        ...(requestIds.size > 0 ? { answerState: (text: string) => sseAnswerState(text, requestIds) } : {}),
      });
    } catch (error) {
      const timedOut = error instanceof UpstreamTimeout;
      options.logger.warn({ err: error, timedOut }, 'upstream request failed');
      upstreamError(timedOut ? 'timeout' : 'unreachable');
      return timedOut
        ? failure(
            request,
            messages,
            `the upstream MCP server did not answer within ${options.timeoutMs / 1000} s`,
            504,
          )
        : failure(request, messages, `the upstream MCP server is unreachable (${describe(error)})`, 502);
    }
    if (answer.status < 200 || answer.status > 299) return upstreamRefusal(request, messages, answer);
    const out: Record<string, string> = {};
    for (const name of RETURNED_RESPONSE) {
      const value = answer.header(name);
      if (value !== null) out[name] = value;
    }
    const upstreamSession = answer.header('mcp-session-id');
    if (upstreamSession) out['mcp-session-id'] = await sessions.wrap(caller.subject, upstreamSession);

    const listIds = new Set<JsonRpcId>(
      messages.filter((m) => isRequest(m) && m.method === 'tools/list').map((m) => m.id as JsonRpcId),
    );
    const stream = (answer.header('content-type') ?? '').includes('text/event-stream');
    const filtering = listIds.size > 0 && caller.scopes !== undefined && tools.lacksAny(caller.scopes);
    // A stream (SSE) passes as it comes, ended if it goes quiet for the timeout; anything else is read
    // whole, within the timeout and the byte cap.
    if (stream && !filtering)
      return { status: answer.status, headers: out, body: answer.stream(options.timeoutMs) };
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await answer.read(maxBytes, options.timeoutMs);
    } catch (error) {
      if (!(error instanceof UpstreamBodyError)) throw error;
      options.logger.warn({ reason: error.message }, 'upstream answer refused');
      upstreamError(error.kind === 'timeout' ? 'timeout' : 'answer_too_large');
      return failure(request, messages, error.message, error.kind === 'timeout' ? 504 : 502);
    }
    if (filtering && caller.scopes) {
      const granted = caller.scopes;
      // Listed with the scope they need (so a call can be asked for it), or left out where configured.
      const adjust = (tool: Record<string, unknown> & { name: string }) =>
        tools.allows(tool.name, granted)
          ? tool
          : options.hideToolsWithoutScope
            ? undefined
            : withScopeNote(tool, tools.needed(tool.name));
      const text = new TextDecoder().decode(bytes);
      const filtered = stream
        ? rewriteSseMessages(text, (m) => adjustToolList(m, listIds, adjust))
        : rewriteJson(text, (m) => adjustToolList(m, listIds, adjust));
      return { status: answer.status, headers: out, body: filtered };
    }
    return { status: answer.status, headers: out, body: bytes };
  }

  /** An upstream non-2xx: its own JSON-RPC answer passes (e.g. 404 unknown session); anything else is explained. */
  async function upstreamRefusal(
    request: PlainRequest,
    messages: RpcMessage[],
    answer: UpstreamReply,
  ): Promise<PlainAnswer> {
    upstreamError('refused');
    const text = await answer.read(MAX_ERROR_BYTES, options.timeoutMs).then(
      (bytes) => new TextDecoder().decode(bytes),
      () => '',
    );
    if (answer.status >= 300 && answer.status < 400)
      return failure(
        request,
        messages,
        `the upstream MCP server answered HTTP ${answer.status} (a redirect, not followed: fix the upstream URL)`,
        502,
      );
    if (
      (answer.header('content-type') ?? '').includes('json') &&
      isRpcResponseBody(text) &&
      answer.status !== 401 &&
      answer.status !== 403
    )
      return { status: answer.status, headers: { 'content-type': 'application/json' }, body: text };
    const reason = upstreamReason(text);
    // An upstream's scope challenge (RFC 6750 §3.1) says what a step-up should ask for: passed on as data.
    const challenged =
      answer.status === 403
        ? /(?:^|[\s,])scope="([^"]*)"/i.exec(answer.header('www-authenticate') ?? '')?.[1]
        : undefined;
    return failure(
      request,
      messages,
      `the upstream MCP server answered HTTP ${answer.status}${reason ? `: ${reason}` : ''}`,
      answer.status,
      challenged ? { scope: challenged } : {},
    );
  }
}

/**
 * What the caller gets when the upstream could not answer: HTTP 200 with a tool error (or JSON-RPC error)
 * per request, so the model reads why and step-up can act on `httpStatus`; a JSON error for GET/DELETE
 * and notifications. Never the upstream's own challenge: a 401 here would send the client to re-authorize
 * with Gatehouse for a problem Gatehouse's token does not have.
 */
function failure(
  request: PlainRequest,
  messages: RpcMessage[],
  message: string,
  httpStatus: number,
  extra: Record<string, unknown> = {},
): PlainAnswer {
  const answers = failureAnswers(
    messages,
    message,
    httpStatus,
    request.header('mcp-protocol-version') ?? null,
    extra,
  );
  if (answers.length > 0)
    return plainJson(200, messages.length === 1 && answers.length === 1 ? answers[0] : answers);
  // An upstream 401/403 is not the caller's to answer (see above): 502 with the reason.
  const status = httpStatus === 401 || httpStatus === 403 ? 502 : httpStatus;
  return plainJson(status, { error: 'upstream_error', error_description: message, httpStatus });
}

function rewriteJson(text: string, transform: (message: unknown) => unknown): string {
  try {
    const parsed: unknown = JSON.parse(text);
    return JSON.stringify(Array.isArray(parsed) ? parsed.map(transform) : transform(parsed));
  } catch {
    return text;
  }
}

/** A short, readable reason from an upstream error body (OAuth-style or JSON-RPC-style); never the raw body. */
function upstreamReason(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const nested =
      body.error && typeof body.error === 'object' ? (body.error as Record<string, unknown>) : {};
    const reason = body.error_description ?? body.message ?? nested.message ?? body.error;
    return typeof reason === 'string' ? reason.slice(0, 200) : '';
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message.slice(0, 120) : 'network error';
}
