import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { type Upstream, type UpstreamReply, UpstreamTimeout } from './upstream';
import { UpstreamBodyError } from './upstream-body';

/**
 * An upstream MCP server over HTTP(S), reached with node:http and a keep-alive pool per upstream: no
 * WHATWG Request, fetch or stream per call (they were most of the proxy's cost). A JSON answer is read
 * straight from the socket into one buffer; an SSE answer becomes a web stream only then. Redirects are
 * never followed (node:http does not), so the upstream credential cannot be carried elsewhere.
 */
export function httpUpstream(
  url: string,
  options: { lookup?: LookupFunction } = {},
): Upstream & { close(): void } {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, scheduling: 'lifo' })
    : new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  const send = secure ? httpsRequest : httpRequest;

  return {
    call(request) {
      return new Promise<UpstreamReply>((resolve, reject) => {
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const outgoing = send(
          target,
          { method: request.method, headers, agent, ...(options.lookup ? { lookup: options.lookup } : {}) },
          (answer) => {
            settle();
            reply(answer, request.answerState, request.timeoutMs).then(resolve, reject);
          },
        );
        // One timer for the headers; the body has its own limits (read, stream).
        const timer = setTimeout(
          () => outgoing.destroy(new UpstreamTimeout('no answer in time')),
          request.timeoutMs,
        );
        const onCallerGone = () => outgoing.destroy(request.callerSignal?.reason);
        request.callerSignal?.addEventListener('abort', onCallerGone, { once: true });
        function settle() {
          clearTimeout(timer);
          request.callerSignal?.removeEventListener('abort', onCallerGone);
        }
        outgoing.once('error', (error) => {
          settle();
          reject(error);
        });
        outgoing.end(request.body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The most of an SSE answer held back while waiting for it to be complete. */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * The reply once its headers are in, with whatever of the body came in the same turn of the event loop.
 * An MCP server usually sends its whole JSON answer in the packets that carry the headers: it is then
 * handed on as bytes, in one write, with no stream at all. An SSE answer to a POST usually holds the
 * request's response alone: held until `answerState` says it is all in (then bytes too), and streamed at
 * once when an event is anything else, or when it has not finished within `waitMs`.
 */
async function reply(
  answer: IncomingMessage,
  answerState: ((text: string) => 'answered' | 'wait' | 'stream') | undefined,
  waitMs: number,
): Promise<UpstreamReply> {
  const early: Buffer[] = [];
  let size = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onData = (chunk: Buffer) => {
    early.push(chunk);
    size += chunk.byteLength;
    wake?.();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: Error) => {
    failure = error;
    wake?.();
  };
  answer.on('data', onData);
  answer.once('end', onEnd);
  answer.once('error', onError);
  await new Promise((resolve) => setImmediate(resolve));
  const sse = (answer.headers['content-type'] ?? '').includes('text/event-stream');
  let complete = ended;
  if (sse && answerState && !ended && !failure) {
    const deadline = Date.now() + waitMs;
    let state = answerState(Buffer.concat(early, size).toString());
    while (state === 'wait' && !ended && !failure && size <= MAX_HELD_BYTES && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      state = answerState(Buffer.concat(early, size).toString());
    }
    complete = ended || state === 'answered';
    // Answered before the upstream closed its stream: the rest (the stream's end) is read and dropped, so
    // the connection goes back to the pool; a stream that does not end is dropped after `waitMs`.
    if (complete && !ended) drain(answer, waitMs);
  }
  answer.off('data', onData);
  answer.off('end', onEnd);
  answer.off('error', onError);
  if (failure && !complete) throw failure;
  if (!complete) answer.pause();
  const whole = () => asBytes(early.length === 1 ? (early[0] as Buffer) : Buffer.concat(early, size));
  return {
    status: answer.statusCode ?? 502,
    header(name) {
      const value = answer.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    read(maxBytes, timeoutMs) {
      if (size > maxBytes) {
        answer.destroy();
        return Promise.reject(
          new UpstreamBodyError('too-large', `the upstream answer is larger than ${maxBytes} bytes`),
        );
      }
      return complete ? Promise.resolve(whole()) : readAll(answer, early, maxBytes, timeoutMs);
    },
    stream: (idleMs) => (complete ? whole() : idleStream(answer, early, idleMs)),
  };
}

/** Reads and drops the rest of an answer already handed on; drops the connection if it does not end in time. */
function drain(answer: IncomingMessage, ms: number) {
  const timer = setTimeout(() => answer.destroy(), ms);
  answer.on('data', () => {});
  answer.once('end', () => clearTimeout(timer));
  answer.once('error', () => clearTimeout(timer));
  answer.once('close', () => clearTimeout(timer));
  answer.resume();
}

function asBytes(buffer: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) as Uint8Array<ArrayBuffer>;
}

/**
 * The rest of the answer as one web stream (what the HTTP adapter writes out), after what already came,
 * ended with an error after `idleMs` without data. One stream and one timer (refreshed per chunk), with
 * backpressure: the socket stays paused while the caller is slower.
 */
function idleStream(answer: IncomingMessage, early: Buffer[], idleMs: number): ReadableStream<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of early) controller.enqueue(asBytes(chunk));
      timer = setTimeout(() => {
        controller.error(
          new UpstreamBodyError('timeout', `the upstream stream sent nothing for ${idleMs / 1000} s`),
        );
        answer.destroy();
      }, idleMs);
      answer.on('data', (chunk: Buffer) => {
        timer?.refresh();
        controller.enqueue(asBytes(chunk));
        if ((controller.desiredSize ?? 0) <= 0) answer.pause();
      });
      answer.once('end', () => {
        clearTimeout(timer);
        controller.close();
      });
      answer.once('error', (error) => {
        clearTimeout(timer);
        controller.error(error);
      });
    },
    pull() {
      answer.resume();
    },
    cancel() {
      clearTimeout(timer);
      answer.destroy();
    },
  });
}

/** The rest of the body into one buffer, at most `maxBytes` in all, within `timeoutMs`; the connection is dropped otherwise. */
function readAll(
  answer: IncomingMessage,
  early: Buffer[],
  maxBytes: number,
  timeoutMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [...early];
    let size = early.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    let settled = false;
    // The first failure is the reason: dropping the connection then reports its own ('aborted').
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
      answer.destroy();
    };
    const timer = setTimeout(
      () =>
        fail(
          new UpstreamBodyError('timeout', `the upstream answer did not finish within ${timeoutMs / 1000} s`),
        ),
      timeoutMs,
    );
    answer.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes)
        fail(new UpstreamBodyError('too-large', `the upstream answer is larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    answer.once('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(asBytes(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    });
    answer.once('error', fail);
    answer.once('aborted', () => fail(new Error('the upstream closed the connection mid-answer')));
    answer.resume();
  });
}
