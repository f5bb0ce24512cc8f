import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { registerConformanceFixtures } from './fixtures';

/**
 * A tiny MCP server used by `gatehouse dev` and the tests: an `echo` tool that also reports who called, plus
 * the conformance suite's fixtures.
 * Served statelessly (2026-07-28, with the SDK's 2025-11-25 fallback).
 */
export function createEchoMcpHandler() {
  return createMcpHandler((ctx) => {
    const server = new McpServer({ name: 'gatehouse-demo', version: '0.1.0' });
    server.registerTool(
      'echo',
      {
        description: 'Echoes the text back, with the caller Gatehouse authenticated.',
        inputSchema: z.object({ text: z.string().describe('what to echo') }),
      },
      async ({ text }) => ({
        content: [{ type: 'text', text: `${text} (caller: ${ctx.authInfo?.clientId ?? 'anonymous'})` }],
      }),
    );
    registerConformanceFixtures(server);
    return server;
  });
}
