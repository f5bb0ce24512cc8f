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
