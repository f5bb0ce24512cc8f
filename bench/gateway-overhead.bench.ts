/**
 * Proxy overhead: the same `echo` tool call against the demo MCP server directly and through Gatehouse
 * (OAuth bearer, verification cache on as shipped) and through a minimal reference proxy (node:http,
 * keep-alive, no auth: the floor a Node proxy can reach), at 1 and 32 connections: p50, p99, calls/s,
 * the server's CPU per call, the through/direct ratios; Gatehouse's RSS idle and under load. Each runs in
 * its own process (`gatehouse demo --port`, `gatehouse serve`, bench/reference-proxy.mjs); the load
 * generator is another. Prints each performance target with "met" or "MISSED".
 */
import { accessTokenThroughPages, createBrowser, devLogin } from '../test/support/oauth-driver';
import {
  type LoadResult,
  load,
  printTable,
  printTarget,
  rssMbOf,
  startDemoProcess,
  startReferenceProxy,
  startServer,
} from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const REDIRECT = 'http://127.0.0.1:9/callback';
const demo = await startDemoProcess();
const direct = demo.url;
const reference = await startReferenceProxy(direct);

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
  [reference.url, {}],
  [`${server.url}/mcp`, { authorization: `Bearer ${token}` }],
] as const) {
  const text = await (await fetch(url, { ...call, headers: { ...headers, ...extra } })).text();
  if (!text.includes('"text":"hello"')) throw new Error(`echo failed at ${url}: ${text}`);
}

const serverPid = server.process.pid ?? 0;
const startedRss = rssMbOf(serverPid);
// Idle means at rest: V8 gives back the young generation that start-up grew (its memory reducer runs
// after ~10 s without work), so the figure is read 15 s after the last request.
await new Promise((resolve) => setTimeout(resolve, 15_000));
const idleRss = rssMbOf(serverPid);
const rows: LoadResult[] = [];
let loadedRss = 0;
const DIRECT = 'direct (demo upstream)';
const REFERENCE = 'reference proxy (node:http, no auth)';
const GATEHOUSE = 'through Gatehouse (OAuth bearer)';
const gatehouseCall = { ...call, headers: { ...headers, authorization: `Bearer ${token}` } };
// Each process is warmed for a second right before it is measured: one left idle while the others ran
// has had its heap shrunk and cold code dropped, and would be measured warming up again.
const warm = (url: string, options: Parameters<typeof load>[4]) => load('warm-up', url, 8, 1, options);
for (const connections of [1, 32]) {
  await warm(direct, { ...call, headers });
  rows.push(await load(DIRECT, direct, connections, seconds, { ...call, headers }));
  await warm(reference.url, { ...call, headers });
  rows.push(await load(REFERENCE, reference.url, connections, seconds, { ...call, headers }, reference.pid));
  await warm(`${server.url}/mcp`, gatehouseCall);
  const sampler = setInterval(() => {
    loadedRss = Math.max(loadedRss, rssMbOf(serverPid));
  }, 250);
  rows.push(await load(GATEHOUSE, `${server.url}/mcp`, connections, seconds, gatehouseCall, serverPid));
  clearInterval(sampler);
}
if (process.env.BENCH_PROBE) {
  rows.push(await load('healthz', `${server.url}/healthz`, 1, seconds, {}, serverPid));
  rows.push(
    await load('401 (no upstream)', `${server.url}/mcp`, 1, seconds, { ...call, headers }, serverPid),
  );
}
printTable(rows);
const row = (label: string, connections: number) =>
  rows.find((candidate) => candidate.label === label && candidate.connections === connections) as LoadResult;
for (const connections of [1, 32]) {
  const alone = row(DIRECT, connections);
  for (const label of [REFERENCE, GATEHOUSE]) {
    const through = row(label, connections);
    console.log(
      `c=${connections} ${label}: through/direct ${(through.requestsPerSecond / alone.requestsPerSecond).toFixed(2)}, added p50 ${(through.p50Ms - alone.p50Ms).toFixed(2)} ms, added p99 ${(through.p99Ms - alone.p99Ms).toFixed(2)} ms`,
    );
  }
  console.log(
    `c=${connections} Gatehouse/reference throughput ${(row(GATEHOUSE, connections).requestsPerSecond / row(REFERENCE, connections).requestsPerSecond).toFixed(2)}`,
  );
}
console.log(
  `Gatehouse RSS: just after start-up and a sign-in ${startedRss} MB, idle (15 s at rest) ${idleRss} MB, under load (max) ${loadedRss} MB`,
);
const ratio = (connections: number) =>
  row(GATEHOUSE, connections).requestsPerSecond / row(DIRECT, connections).requestsPerSecond;
const cpu = Math.max(row(GATEHOUSE, 1).cpuMicrosPerRequest ?? 0, row(GATEHOUSE, 32).cpuMicrosPerRequest ?? 0);
// autocannon's p50 is in whole milliseconds: the added latency at 1 connection is taken from the means.
const addedLatency = Number((row(GATEHOUSE, 1).meanMs - row(DIRECT, 1).meanMs).toFixed(2));
const referenceCpu = Math.max(
  row(REFERENCE, 1).cpuMicrosPerRequest ?? 0,
  row(REFERENCE, 32).cpuMicrosPerRequest ?? 0,
);
printTarget(
  'proxy through/direct at 32 connections',
  Number(ratio(32).toFixed(2)),
  '',
  '>= 0.85',
  ratio(32) >= 0.85,
);
printTarget(
  'proxy through/direct at 1 connection',
  Number(ratio(1).toFixed(2)),
  '',
  '>= 0.7',
  ratio(1) >= 0.7,
);
printTarget(
  'proxy added latency at 1 connection (mean)',
  addedLatency,
  ' ms',
  '<= 0.5 ms',
  addedLatency <= 0.5,
);
printTarget('Gatehouse CPU per forwarded call', cpu, ' µs', '<= 250 µs', cpu <= 250);
console.log(
  `        (the reference proxy uses ${referenceCpu} µs per call on this machine: Gatehouse is ${(cpu / referenceCpu).toFixed(2)}× the floor)`,
);
printTarget('RSS idle (at rest)', idleRss, ' MB', '< 80 MB', idleRss < 80);
printTarget('RSS under sustained load', loadedRss, ' MB', '< 200 MB', loadedRss < 200);
server.stop();
reference.stop();
demo.stop();
