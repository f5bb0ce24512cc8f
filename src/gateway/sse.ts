import type { JsonRpcId, RpcMessage } from './json-rpc';

/**
 * Rewrites the JSON-RPC messages carried by a complete Server-Sent Events text (WHATWG HTML §9.2): each
 * event's `data` lines are joined, parsed, passed through `transform` and written back as one `data` line;
 * `id`, `event`, `retry` and comments are kept. Events whose data is not JSON pass unchanged.
 */
export function rewriteSseMessages(text: string, transform: (message: unknown) => unknown): string {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const data = lines.filter((line) => line.startsWith('data:'));
      if (data.length === 0) return block;
      const payload = data.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch {
        return block;
      }
      const kept = lines.filter((line) => !line.startsWith('data:'));
      return [...kept, `data: ${JSON.stringify(transform(message))}`].join('\n');
    })
    .join('\n\n');
}

/**
 * How far an SSE answer to a POST has come (MCP Streamable HTTP: the server answers each request of the
 * POST on the stream, then closes it). 'answered': every event so far is complete and is the response to
 * one of `ids`, and every id has its response — the whole answer is in. 'stream': an event is anything
 * else (a progress notification, a server request such as an elicitation, a priming event): it must reach
 * the client now, so the answer is passed on as a stream. 'wait': the responses are not all in yet.
 */
export function sseAnswerState(text: string, ids: ReadonlySet<JsonRpcId>): 'answered' | 'wait' | 'stream' {
  const blocks = text.split(/\r?\n\r?\n/);
  // The text after the last blank line is an event still arriving.
  const pending = (blocks.pop() ?? '').trim() !== '';
  const answered = new Set<JsonRpcId>();
  for (const block of blocks) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    let message: RpcMessage | undefined;
    try {
      message = data.length > 0 ? (JSON.parse(data.join('\n')) as RpcMessage) : undefined;
    } catch {
      message = undefined;
    }
    const id = message?.id;
    const isAnswer =
      message !== undefined &&
      message.method === undefined &&
      ('result' in message || 'error' in message) &&
      (typeof id === 'string' || typeof id === 'number') &&
      ids.has(id);
    if (!isAnswer) return 'stream';
    answered.add(id as JsonRpcId);
  }
  return !pending && answered.size === ids.size ? 'answered' : 'wait';
}
