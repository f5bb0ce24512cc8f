import type { CallToolResult, Tool } from '@modelcontextprotocol/client';

/** Plain-text renderings of MCP results for a terminal. Pure, so they are tested without a server. */

export function renderTools(tools: readonly Tool[]): string {
  if (tools.length === 0) return '(the server lists no tools)';
  return tools
    .map((tool) => {
      const schema = tool.inputSchema as {
        properties?: Record<string, { type?: unknown }>;
        required?: string[];
      };
      const required = new Set(schema.required ?? []);
      const params = Object.entries(schema.properties ?? {})
        .map(
          ([name, property]) => `${name}${required.has(name) ? '' : '?'}: ${String(property.type ?? 'any')}`,
        )
        .join(', ');
      const description = tool.description ? `\n    ${tool.description.split('\n')[0]}` : '';
      return `${tool.name}(${params})${description}`;
    })
    .join('\n');
}

/** An image or audio block as one line: its type, media type and decoded size (base64 is 4 chars per 3 bytes). */
export function mediaSummary(block: { type: string; mimeType: string; data: string }): string {
  return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`;
}

export function renderToolResult(result: CallToolResult): string {
  const parts: string[] = [];
  for (const block of result.content ?? []) {
    if (block.type === 'text') parts.push(block.text);
    else if (block.type === 'image' || block.type === 'audio') parts.push(mediaSummary(block));
    else if (block.type === 'resource') {
      const resource = block.resource as { uri: string; text?: string };
      parts.push(`[resource ${resource.uri}]${resource.text !== undefined ? `\n${resource.text}` : ''}`);
    } else if (block.type === 'resource_link') parts.push(`[link ${block.uri}]`);
    else parts.push(JSON.stringify(block));
  }
  if (result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent, null, 2));
  return parts.join('\n');
}

/** `--args` must be a JSON object (tool arguments are named). */
export function parseToolArguments(
  text: string | undefined,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `--args is not valid JSON: ${(error as Error).message}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: '--args must be a JSON object, e.g. --args \'{"text":"hi"}\'' };
  return { ok: true, value: value as Record<string, unknown> };
}

/** "in 59 min" / "expired 3 min ago" / "unknown" from what the token response said. */
export function describeExpiry(
  savedAt: number | undefined,
  expiresIn: number | undefined,
  now: number,
): string {
  if (savedAt === undefined || expiresIn === undefined) return 'unknown';
  const at = savedAt + expiresIn * 1000;
  const minutes = Math.round(Math.abs(at - now) / 60_000);
  return `${new Date(at).toISOString()} (${at >= now ? `in ${minutes} min` : `expired ${minutes} min ago`})`;
}
