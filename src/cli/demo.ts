import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { Hono } from 'hono';
import { createDemoServer, createDemoUpstream } from '../demo/upstream';
import { listen } from '../http';
import type { CliIo } from './io';

/**
 * `gatehouse demo`: the demo MCP server on its own, over stdio (to try a `command` upstream) or over
 * Streamable HTTP on a loopback port (to try a `url` upstream).
 */
export async function demoCommand(
  args: { stdio: boolean; port: number | undefined; conformance?: boolean },
  io: CliIo,
): Promise<number> {
  if (args.stdio) {
    const notes = new Map<string, string[]>();
    const states = args.conformance
      ? (await import('../demo/conformance-upstream')).conformanceStates()
      : undefined;
    const handle = serveStdio(() =>
      createDemoServer(notes, 'stdio', states ? { conformance: { states } } : {}),
    );
    return new Promise((done) => {
      process.stdin.once('end', () => handle.close().then(() => done(0)));
    });
  }
  const demo = args.conformance
    ? (await import('../demo/conformance-upstream')).createConformanceUpstream()
    : createDemoUpstream();
  const app = new Hono();
  app.all('/mcp', (c) => demo.fetch(c.req.raw));
  const server = await listen(app, '127.0.0.1', args.port ?? 8788);
  io.out(
    `demo MCP server on ${server.url}/mcp (Streamable HTTP; any credential accepted${args.conformance ? '; with the conformance fixtures' : ''})`,
  );
  return new Promise((done) => {
    const stop = () => {
      Promise.all([server.close(), demo.close()]).then(
        () => done(0),
        () => done(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
