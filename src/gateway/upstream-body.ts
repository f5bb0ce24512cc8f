/**
 * Reading an upstream's answer with limits: a byte cap on what Gatehouse buffers, a deadline for a body
 * that stalls after its headers, and an idle timeout for streams (SSE) that go quiet.
 */
export class UpstreamBodyError extends Error {
  override name = 'UpstreamBodyError';
  constructor(
    readonly kind: 'too-large' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

function timeout(ms: number, message: string): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamBodyError('timeout', message)), ms);
  });
  promise.catch(() => {}); // raced below; never left to reject unobserved
  return { promise, clear: () => clearTimeout(timer) };
}

/** The whole body, at most `maxBytes`, within `timeoutMs`; cancels the upstream on either limit. */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  timeoutMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const deadline = timeout(timeoutMs, `the upstream answer did not finish within ${timeoutMs / 1000} s`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline.promise]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes)
        throw new UpstreamBodyError('too-large', `the upstream answer is larger than ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    deadline.clear();
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The stream as it comes, ended with an error (and the upstream cancelled) after `idleMs` without data. */
export function withIdleTimeout(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const idle = timeout(idleMs, `the upstream stream sent nothing for ${idleMs / 1000} s`);
      try {
        const { done, value } = await Promise.race([reader.read(), idle.promise]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        reader.cancel(error).catch(() => {});
        controller.error(error);
      } finally {
        idle.clear();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
