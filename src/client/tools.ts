import type { Client, Tool } from '@modelcontextprotocol/client';

/** Every tool of a server, following `nextCursor` (MCP pagination), bounded against a server that loops. */
export async function listAllTools(client: Client, maxPages = 100): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const listed = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...listed.tools);
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
