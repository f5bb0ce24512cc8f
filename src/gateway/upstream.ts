import { readBounded, withIdleTimeout } from './upstream-body';

/** One request to an upstream MCP server, as the proxy forwards it. */
export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** no answer (headers) within this: the call fails with a TimeoutError */
  timeoutMs: number;
  /** the caller left: the upstream call is abandoned */
  callerSignal?: AbortSignal;
  /**
   * For an SSE answer: whether what came so far is the whole answer (see sseAnswerState). An answer found
   * complete is handed on as bytes, without a stream; anything else streams as it comes.
   */
  answerState?: (text: string) => 'answered' | 'wait' | 'stream';
}

/** An upstream's answer: its status and headers at once, the body read whole (bounded) or streamed. */
export interface UpstreamReply {
  status: number;
  /** a header by lower-case name */
  header(name: string): string | null;
  /** the whole body, at most `maxBytes`, within `timeoutMs` (UpstreamBodyError otherwise) */
  read(maxBytes: number, timeoutMs: number): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * The body as it comes (SSE), ended with an error after `idleMs` without data; the bytes themselves
   * when the whole answer had already arrived.
   */
  stream(idleMs: number): ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | null;
}

/** How the proxy reaches an upstream: over HTTP (http-upstream.ts) or in-process through a fetch. */
export interface Upstream {
  call(request: UpstreamRequest): Promise<UpstreamReply>;
}

export class UpstreamTimeout extends Error {
  override name = 'TimeoutError';
}

/** A fetch-shaped upstream (in-process servers, stdio, tests) behind the Upstream interface. */
export type UpstreamFetch = (request: Request) => Promise<Response>;

export function fetchUpstream(fetch: UpstreamFetch, url: string): Upstream {
  return {
    async call(request) {
      const abort = new AbortController();
      const onCallerGone = () => abort.abort(request.callerSignal?.reason);
      request.callerSignal?.addEventListener('abort', onCallerGone, { once: true });
      const timer = setTimeout(() => abort.abort(new UpstreamTimeout('timeout')), request.timeoutMs);
      // Raced as well as passed on: a Request's derived signal can be collected before it fires (undici),
      // and a timeout must hold whatever the upstream implementation does with it.
      const aborted = new Promise<never>((_, reject) =>
        abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
      );
      aborted.catch(() => {});
      try {
        const answer = await Promise.race([
          fetch(
            new Request(url, {
              method: request.method,
              headers: request.headers,
              ...(request.body === undefined ? {} : { body: request.body }),
              signal: abort.signal,
              // Never followed: a redirect would carry the upstream credential to wherever it points.
              redirect: 'manual',
            }),
          ),
          aborted,
        ]);
        return {
          status: answer.status,
          header: (name) => answer.headers.get(name),
          read: (maxBytes, timeoutMs) => readBounded(answer.body, maxBytes, timeoutMs),
          stream: (idleMs) => answer.body && withIdleTimeout(answer.body, idleMs),
        };
      } finally {
        clearTimeout(timer);
        // Removed on every path, or it leaks every call: undici's FinalizationRegistry holds the caller's
        // signal strongly until the caller's cached Request is collected, and this listener keeps that
        // Request alive (a cycle through the registry: ~20 KB per call, for ever).
        request.callerSignal?.removeEventListener('abort', onCallerGone);
      }
    },
  };
}
