import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, type Metrics, noMetrics, noTracing, type Tracing } from '../telemetry';
import { clientAddress } from './client-ip';
import { lazyRequestLog, type RequestLog } from './context';
import { HttpError } from './errors';
import { securityHeaderList } from './middleware/security-headers';
import { type PlainAnswer, type PlainRequest, plainJson, type RequestFacts, rateLimited } from './plain';
import type { RateLimiter } from './rate-limiter';

export interface FrontRoute {
  path: string;
  /** the methods it takes; any other is left to the app (default: every method) */
  methods?: readonly string[];
  serve(request: PlainRequest, ip: string, log: RequestLog): Promise<PlainAnswer>;
}

export interface NodeFrontOptions {
  issuer: string;
  logger: Logger;
  /** request counts and latencies, per route and per MCP method and tool (default: none) */
  metrics?: Metrics;
  /** a span per request (default: none) */
  tracing?: Tracing;
  trustProxyHops: number;
  bodyLimitBytes: number;
  /** the per-IP limit every route has (the Hono app's own); absent when rate limiting is off */
  ipLimiter?: RateLimiter | undefined;
  routes: readonly FrontRoute[];
}

/** Takes a request off the wire when it is for one of its routes; false leaves it to the Hono app. */
export type NodeFront = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Serves the hottest routes (the MCP endpoints, the token endpoint) straight from node:http, in front of
 * the Hono app: they skip the WHATWG Request and Response, the middleware chain and the response adapter
 * (most of a proxied call's cost on top of the proxying itself). It keeps what the app's middleware gives every route: a
 * request id (X-Request-Id), the security headers, the per-IP limit, the body limit, one log line per
 * request, and an error boundary that answers 500 without internals.
 */
export function createNodeFront(options: NodeFrontOptions): NodeFront {
  const { logger, ipLimiter, bodyLimitBytes } = options;
  const metrics = options.metrics ?? noMetrics;
  const tracing = options.tracing ?? noTracing;
  const routes = new Map(options.routes.map((route) => [route.path, route]));
  const baseHeaders = Object.fromEntries(securityHeaderList(options.issuer));

  return (incoming, outgoing) => {
    const url = incoming.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const route = routes.get(path);
    if (!route || (route.methods && !route.methods.includes(incoming.method ?? ''))) return false;
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const forwarded = incoming.headers['x-forwarded-for'];
    const ip = clientAddress(
      incoming.socket.remoteAddress ?? 'unknown',
      Array.isArray(forwarded) ? forwarded.join(', ') : forwarded,
      options.trustProxyHops,
    );
    const log = lazyRequestLog(logger, requestId);
    // What the route learns (the MCP method and tool) joins the log line and the metrics.
    const facts: RequestFacts = {};
    const span = tracing.enabled ? startSpan(tracing, incoming, path, facts) : undefined;
    outgoing.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const { mcp } = facts;
      if (span) {
        if (mcp)
          span.set({
            'mcp.method.name': mcp.method,
            ...(mcp.tool === undefined ? {} : { 'gen_ai.tool.name': mcp.tool }),
          });
        span.end(outgoing.statusCode);
      }
      if (metrics.enabled) {
        metrics.request(path, incoming.method ?? 'GET', outgoing.statusCode, seconds);
        if (mcp) metrics.mcp(mcp, facts.outcome ?? (outgoing.statusCode < 400 ? 'ok' : 'error'), seconds);
      }
      if (!logger.isLevelEnabled('info')) return;
      const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
      log.info(
        {
          method: incoming.method,
          path,
          queryNames: [...new Set(new URLSearchParams(query).keys())],
          status: outgoing.statusCode,
          ms: Math.round(seconds * 10_000) / 10,
          ip,
          ...(mcp ? { mcpMethod: mcp.method, ...(mcp.tool === undefined ? {} : { tool: mcp.tool }) } : {}),
        },
        'request',
      );
    });
    const write = (answer: PlainAnswer) => writeAnswer(outgoing, answer, baseHeaders, requestId);
    serveOne(incoming, outgoing, route, path, ip, log, ipLimiter, bodyLimitBytes, facts).then(
      write,
      (error: unknown) => {
        if (error instanceof HttpError) return write(plainJson(error.status, error.toBody()));
        // The caller left mid-request (its body cut short): nobody to answer, nothing went wrong here.
        if (incoming.errored || outgoing.destroyed) return outgoing.destroy();
        log.error({ err: error }, 'unhandled error');
        if (outgoing.headersSent) return outgoing.destroy();
        return write(
          plainJson(500, {
            error: 'server_error',
            error_description: `internal error; request id ${requestId}`,
          }),
        );
      },
    );
    return true;
  };
}

/** A server span for the request, child of the caller's trace context; its own context goes upstream. */
function startSpan(tracing: Tracing, incoming: IncomingMessage, path: string, facts: RequestFacts) {
  const header = (name: string) => {
    const value = incoming.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const span = tracing.start(
    `${incoming.method ?? 'GET'} ${path}`,
    { traceparent: header('traceparent'), tracestate: header('tracestate') },
    { 'http.request.method': incoming.method ?? 'GET', 'url.path': path, 'http.route': path },
  );
  if (span.traceparent) facts.traceparent = span.traceparent;
  if (span.tracestate) facts.tracestate = span.tracestate;
  return span;
}

async function serveOne(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  route: FrontRoute,
  path: string,
  ip: string,
  log: RequestLog,
  ipLimiter: RateLimiter | undefined,
  bodyLimitBytes: number,
  facts: RequestFacts,
): Promise<PlainAnswer> {
  if (ipLimiter) {
    const decision = await ipLimiter.hit(`rl:ip:${ip}`);
    if (!decision.allowed) return rateLimited(decision.retryAfterSeconds);
  }
  const method = incoming.method ?? 'GET';
  let body: string | undefined;
  if (!NO_BODY.has(method)) {
    const read = await readBody(incoming, bodyLimitBytes);
    if (read === undefined)
      return plainJson(413, {
        error: 'invalid_request',
        error_description: `request body larger than ${bodyLimitBytes} bytes`,
      });
    body = read;
  }
  // The caller going away abandons the upstream call; made when a route asks (a refusal never does).
  let gone: AbortController | undefined;
  const callerGone = () => {
    if (gone) return gone.signal;
    const controller = new AbortController();
    gone = controller;
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) controller.abort(new Error('the caller went away'));
    });
    return controller.signal;
  };
  const headers = incoming.headers;
  const request: PlainRequest = {
    method,
    path,
    header(name) {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    *headers() {
      for (const [name, value] of Object.entries(headers))
        if (value !== undefined) yield [name, Array.isArray(value) ? value.join(', ') : value] as const;
    },
    ...(method === 'POST' ? { body: body ?? '' } : {}),
    get signal() {
      return callerGone();
    },
    facts,
  };
  return route.serve(request, ip, log);
}

/**
 * The body as text, or undefined past `maxBytes` (announced, or counted as it streams). RFC 9112 §6.3:
 * with neither Content-Length nor Transfer-Encoding there is no body. A leading BOM is dropped, as
 * WHATWG's text() does.
 */
function readBody(incoming: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const announced = incoming.headers['content-length'];
  if (announced !== undefined && Number(announced) > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        incoming.removeAllListeners('data');
        incoming.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    incoming.once('end', () => {
      if (size > maxBytes) return;
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString(
        'utf8',
      );
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    incoming.once('error', reject);
  });
}

/** Writes an answer: a whole body in one write with its length; a stream as it comes, with backpressure. */
function writeAnswer(
  outgoing: ServerResponse,
  answer: PlainAnswer,
  base: Record<string, string>,
  requestId: string,
) {
  const headers: Record<string, string | number> = { ...base, 'x-request-id': requestId, ...answer.headers };
  const { body } = answer;
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = body ?? '';
    headers['content-length'] = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
    outgoing.writeHead(answer.status, headers);
    outgoing.end(bytes);
    return;
  }
  outgoing.writeHead(answer.status, headers);
  outgoing.flushHeaders();
  void pump(body, outgoing);
}

/** Waits until the socket takes more; false when the caller went away instead. */
function drained(outgoing: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      outgoing.off('drain', onDrain);
      outgoing.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    outgoing.once('drain', onDrain);
    outgoing.once('close', onClose);
  });
}

async function pump(stream: ReadableStream<Uint8Array>, outgoing: ServerResponse) {
  const reader = stream.getReader();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!outgoing.write(value) && !(await drained(outgoing))) return;
    }
    outgoing.end();
  } catch {
    // The upstream stream failed (or went quiet past its timeout): the caller sees the stream cut.
    outgoing.destroy();
  }
}
