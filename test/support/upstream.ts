import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Hono } from 'hono';
import { createDemoUpstream, type DemoUpstreamOptions } from '../../src/demo/upstream';
import { listen } from '../../src/http';

/** The demo MCP server on a loopback port, recording the headers of every request it receives. */
export async function startRecordingUpstream(options: DemoUpstreamOptions = {}) {
  const demo = createDemoUpstream(options);
  const seen: Array<Record<string, string>> = [];
  const app = new Hono();
  app.all('/mcp', (c) => {
    seen.push(Object.fromEntries(c.req.raw.headers));
    return demo.fetch(c.req.raw);
  });
  const server = await listen(app, '127.0.0.1', 0);
  return {
    url: `${server.url}/mcp`,
    seen,
    async close() {
      await server.close();
      await demo.close();
    },
  };
}

/** The real MCP SDK v2 client, connected with a bearer (OAuth access token, PAT, service token or key). */
export async function connectWithBearer(url: string, bearer: string): Promise<Client> {
  const client = new Client(
    { name: 'gatehouse-e2e', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    }),
  );
  return client;
}
