/**
 * Proxy soak: ≥ 100,000 `tools/call echo` calls through Gatehouse (`SOAK_CALLS`, default 100,000), half to an
 * HTTP upstream with the service token, half to the in-process demo over BYOK, in rounds of 10,000. After
 * each round the server collects garbage and reports the heap it still holds: flat is the target (a leak
 * once kept ~20 KB per call until the process died near 200,000 calls). Also prints RSS and calls/s.
 */
import autocannon from 'autocannon';
import { startServedGatehouse } from '../test/support/served-gatehouse';
import { rssMbOf, startDemoProcess } from './support';

const total = Number(process.env.SOAK_CALLS ?? 100_000);
const ROUND = 10_000;
const SERVICE_TOKEN = 'bench-soak-service-token-0123456789abcdef';
const demo = await startDemoProcess();
const server = await startServedGatehouse(`
serviceToken: { token: ${SERVICE_TOKEN} }
resources:
  - path: /http
    scopes: [{ name: "mcp:tools", description: tools }]
    auth: [service]
    upstream: { url: "${demo.url}" }
  - path: /byok
    auth: [byok]
    credential: { mode: passthrough }
    upstream: { demo: true }
`);

const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'soak' } },
});
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const targets = [
  { label: 'HTTP upstream, service token', path: '/http', bearer: SERVICE_TOKEN },
  { label: 'in-process demo, BYOK', path: '/byok', bearer: 'demo_soak' },
];

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
const pid = server.process.pid ?? 0;
const baseline = await server.heapUsedAfterGc();
console.log(`baseline: heap after GC ${mb(baseline)} MB, RSS ${rssMbOf(pid)} MB`);
console.log('| calls | endpoint | calls/s | non-2xx | heap after GC MB | Δ vs baseline MB | RSS MB |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
let done = 0;
let failed = 0;
for (let round = 0; done < total; round++) {
  const target = targets[round % targets.length] ?? targets[0];
  if (!target) break;
  const result = await autocannon({
    url: `${server.url}${target.path}`,
    method: 'POST',
    body,
    headers: { ...headers, authorization: `Bearer ${target.bearer}` },
    connections: 16,
    amount: ROUND,
  });
  done += ROUND;
  failed += result.non2xx + result.errors;
  const heap = await server.heapUsedAfterGc();
  console.log(
    `| ${done} | ${target.label} | ${Math.round(result.requests.average)} | ${result.non2xx + result.errors} | ${mb(heap)} | ${mb(heap - baseline)} | ${rssMbOf(pid)} |`,
  );
}
const final = await server.heapUsedAfterGc();
console.log(
  `retained after ${done} calls: ${mb(final - baseline)} MB (${Math.round((final - baseline) / done)} bytes per call); ${failed} failed calls`,
);
await server.stop();
demo.stop();
if (failed > 0) process.exitCode = 1;
