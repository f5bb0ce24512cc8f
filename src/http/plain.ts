import type { McpFacts } from '../telemetry';

/**
 * A request and its answer as plain values, for the routes served both by Hono (in process: the
 * playground) and by the Node front (off the wire: src/http/node-front.ts) — one implementation, two
 * carriers, and no WHATWG Request or Response built on the hot path.
 */
export interface PlainRequest {
  method: string;
  /** the path, without the query */
  path: string;
  /** a header by lower-case name */
  header(name: string): string | undefined;
  /** every header, names in lower case */
  headers(): Iterable<readonly [string, string]>;
  /** the body of a POST, as text */
  body?: string;
  /** aborted when the caller goes away */
  signal?: AbortSignal;
  /** what the route learned of the request, for the request log line and the metrics (carrier-provided) */
  facts?: RequestFacts;
}

export interface RequestFacts {
  mcp?: McpFacts;
  /** a tool call's outcome when its answer says (a tool error is an HTTP 200) */
  outcome?: 'ok' | 'error';
  /** this request's span, as W3C trace context for the upstream (tracing on) */
  traceparent?: string;
  tracestate?: string;
}

export interface PlainAnswer {
  status: number;
  headers: Record<string, string>;
  /** the whole body, or a stream of it (SSE) */
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | null;
}

/** A JSON answer. */
export function plainJson(status: number, value: unknown, headers: Record<string, string> = {}): PlainAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/** A plain request from a WHATWG Request whose body (if any) has been read. */
export function plainFromRequest(request: Request, body?: string): PlainRequest {
  return {
    method: request.method,
    path: new URL(request.url).pathname,
    header: (name) => request.headers.get(name) ?? undefined,
    headers: () => request.headers,
    ...(body === undefined ? {} : { body }),
    signal: request.signal,
  };
}

export function responseFrom(answer: PlainAnswer): Response {
  return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
}

/** 429 with Retry-After: a per-IP (`who` absent) or per-identity (`who`: account, key) limit was hit. */
export function rateLimited(retryAfterSeconds: number, who?: string): PlainAnswer {
  return plainJson(
    429,
    {
      error: 'rate_limited',
      error_description: `too many requests${who ? ` for this ${who}` : ''}; retry in ${retryAfterSeconds} s`,
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
