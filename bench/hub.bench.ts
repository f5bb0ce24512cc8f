/**
 * The hub: `tools/list` and `tools/call` through `/hub/mcp` with 1, 5 and 20 upstreams in the user's view,
 * against the same calls straight to the upstream, in one run: p50 / p99, calls/s, the hub's CPU per
 * request and the ratios. The upstreams are one `gatehouse demo` process behind 20 catalog URLs (each its
 * own entry and connection pool); entries use `auth: none`, so a call costs what routing costs (an OAuth
 * entry adds one vault read and decryption per call). `tools/list` is answered from the user's view, which
 * the hub keeps for `listCacheSeconds` (30 s): the steady state a client sees.
 */

import { createHubPat } from '../test/support/hub';
import { createBrowser, devLogin } from '../test/support/oauth-driver';
import { type LoadResult, load, printTable, startDemoProcess, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = [1, 16];
const demo = await startDemoProcess();

const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const rpc = (method: string, params: Record<string, unknown>) => ({
  method: 'POST' as const,
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
});
const list = rpc('tools/list', {});
const call = (name: string) => rpc('tools/call', { name, arguments: { text: 'hello' } });
const warm = (url: string, options: Parameters<typeof load>[4]) => load('warm-up', url, 8, 1, options);

const rows: LoadResult[] = [];
for (const connections of CONNECTIONS) {
  await warm(demo.url, { ...list, headers });
  rows.push(await load('direct tools/list', demo.url, connections, seconds, { ...list, headers }));
  await warm(demo.url, { ...call('echo'), headers });
  rows.push(await load('direct tools/call', demo.url, connections, seconds, { ...call('echo'), headers }));
}

for (const upstreams of [1, 5, 20]) {
  const catalog = Array.from(
    { length: upstreams },
    (_, index) =>
      `    - { slug: u${index}, name: "Upstream ${index}", url: "${demo.url}?u=${index}", auth: { type: none } }`,
  ).join('\n');
  const server = await startServer(`
mode: dev
devLogin: { enabled: true }
access: { allowAnyone: true }
hub:
  enabled: true
  catalog:
${catalog}
`);
  const browser = createBrowser(server.url);
  await devLogin(browser, 'bench@example.com');
  const pat = await createHubPat(browser, 'bench');
  const hubHeaders = { ...headers, authorization: `Bearer ${pat}` };
  const hub = `${server.url}/hub/mcp`;
  // A wrong setup must fail loudly, not measure error answers.
  const listed = await (await fetch(hub, { ...list, headers: hubHeaders })).text();
  const tools = (listed.match(/"name":"u\d+__/g) ?? []).length;
  if (tools < upstreams)
    throw new Error(`the hub lists ${tools} tools for ${upstreams} upstreams: ${listed.slice(0, 300)}`);
  const echoed = await (await fetch(hub, { ...call('u0__echo'), headers: hubHeaders })).text();
  if (!echoed.includes('"text":"hello"')) throw new Error(`echo through the hub failed: ${echoed}`);
  const pid = server.process.pid ?? 0;
  for (const connections of CONNECTIONS) {
    await warm(hub, { ...list, headers: hubHeaders });
    rows.push(
      await load(
        `hub tools/list (${upstreams} upstreams)`,
        hub,
        connections,
        seconds,
        { ...list, headers: hubHeaders },
        pid,
      ),
    );
    await warm(hub, { ...call('u0__echo'), headers: hubHeaders });
    rows.push(
      await load(
        `hub tools/call (${upstreams} upstreams)`,
        hub,
        connections,
        seconds,
        { ...call('u0__echo'), headers: hubHeaders },
        pid,
      ),
    );
  }
  server.stop();
}
demo.stop();

printTable(rows);
const row = (label: string, connections: number) =>
  rows.find((candidate) => candidate.label === label && candidate.connections === connections) as LoadResult;
for (const connections of CONNECTIONS)
  for (const upstreams of [1, 5, 20])
    for (const method of ['tools/list', 'tools/call']) {
      const through = row(`hub ${method} (${upstreams} upstreams)`, connections);
      const alone = row(`direct ${method}`, connections);
      console.log(
        `c=${connections} ${method} with ${upstreams} upstreams: hub/direct throughput ${(through.requestsPerSecond / alone.requestsPerSecond).toFixed(2)}, p50 ${through.p50Ms} vs ${alone.p50Ms} ms, p99 ${through.p99Ms} vs ${alone.p99Ms} ms, hub CPU ${through.cpuMicrosPerRequest} µs/req`,
      );
    }
