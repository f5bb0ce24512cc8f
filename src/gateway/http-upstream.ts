import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { type Upstream, type UpstreamReply, UpstreamTimeout } from './upstream';
import { UpstreamBodyError, withIdleTimeout } from './upstream-body';

/**
 * An upstream MCP server over HTTP(S), reached with node:http and a keep-alive pool per upstream: no
 * WHATWG Request, fetch or stream per call (they were most of the proxy's cost). A JSON answer is read
 * straight from the socket into one buffer; an SSE answer becomes a web stream only then. Redirects are
 * never followed (node:http does not), so the upstream credential cannot be carried elsewhere.
 */
export function httpUpstream(url: string): Upstream & { close(): void } {
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
        const outgoing = send(target, { method: request.method, headers, agent }, (answer) => {
          settle();
          resolve(reply(answer));
        });
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

function reply(answer: IncomingMessage): UpstreamReply {
  return {
    status: answer.statusCode ?? 502,
    header(name) {
      const value = answer.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    read: (maxBytes, timeoutMs) => readAll(answer, maxBytes, timeoutMs),
    stream: (idleMs) => withIdleTimeout(Readable.toWeb(answer) as ReadableStream<Uint8Array>, idleMs),
  };
}

/** The whole body into one buffer, at most `maxBytes`, within `timeoutMs`; the connection is dropped otherwise. */
function readAll(
  answer: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
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
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve(new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength) as Uint8Array<ArrayBuffer>);
    });
    answer.once('error', fail);
    answer.once('aborted', () => fail(new Error('the upstream closed the connection mid-answer')));
  });
}
