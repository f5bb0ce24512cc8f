/**
 * Proxy overhead: the same `echo` tool call against the demo MCP server directly and through Gatehouse
 * (OAuth bearer, verification cache on as shipped), at 1 and 32 connections: p50, p99, calls/s and the
 * through/direct ratio; Gatehouse's RSS idle and under load. Both run as the built CLI in their own
 * processes (`gatehouse demo --port`, `gatehouse serve`); the load generator is a third.
 */
import { accessTokenThroughPages, createBrowser, devLogin } from '../test/support/oauth-driver';
import { type LoadResult, load, printTable, rssMbOf, startDemoProcess, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const REDIRECT = 'http://127.0.0.1:9/callback';
const demo = await startDemoProcess();
const direct = demo.url;

const server = await startServer(`
devLogin: { enabled: true, allowInsecureDevLogin: true }
access: { allowAnyone: true }
clients: [{ clientId: bench, clientName: Bench, redirectUris: ["${REDIRECT}"] }]
resources:
  - path: /mcp
    scopes: [{ name: "mcp:tools", description: tools }]
    upstream: { url: "${direct}" }
`);
const browser = createBrowser(server.url);
await devLogin(browser, 'bench@example.com');
const token = await accessTokenThroughPages(
  server.url,
  { clientId: 'bench', redirectUri: REDIRECT },
  { browser },
);

const call = {
  method: 'POST' as const,
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { text: 'hello' } },
  }),
};
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
// One call each way first: a wrong setup must fail loudly, not measure error pages.
for (const [url, extra] of [
  [direct, {}],
  [`${server.url}/mcp`, { authorization: `Bearer ${token}` }],
] as const) {
  const text = await (await fetch(url, { ...call, headers: { ...headers, ...extra } })).text();
  if (!text.includes('"text":"hello"')) throw new Error(`echo failed at ${url}: ${text}`);
}

const idleRss = rssMbOf(server.process.pid ?? 0);
const rows: LoadResult[] = [];
let loadedRss = 0;
for (const connections of [1, 32]) {
  rows.push(await load('direct (demo upstream)', direct, connections, seconds, { ...call, headers }));
  const sampler = setInterval(() => {
    loadedRss = Math.max(loadedRss, rssMbOf(server.process.pid ?? 0));
  }, 250);
  rows.push(
    await load('through Gatehouse (OAuth bearer)', `${server.url}/mcp`, connections, seconds, {
      ...call,
      headers: { ...headers, authorization: `Bearer ${token}` },
    }),
  );
  clearInterval(sampler);
}
if (process.env.BENCH_PROBE) {
  rows.push(await load('healthz', `${server.url}/healthz`, 1, seconds));
  rows.push(await load('401 (no upstream)', `${server.url}/mcp`, 1, seconds, { ...call, headers }));
}
printTable(rows);
for (const connections of [1, 32]) {
  const [alone, through] = rows.filter((row) => row.connections === connections);
  if (!alone || !through) continue;
  console.log(
    `c=${connections}: throughput through/direct ${(through.requestsPerSecond / alone.requestsPerSecond).toFixed(2)}, added p50 ${(through.p50Ms - alone.p50Ms).toFixed(2)} ms, added p99 ${(through.p99Ms - alone.p99Ms).toFixed(2)} ms`,
  );
}
console.log(`Gatehouse RSS: idle ${idleRss} MB, under load (max) ${loadedRss} MB`);
server.stop();
demo.stop();
