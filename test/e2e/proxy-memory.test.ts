import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpPostHeaders } from '../support/mcp-call';
import { type ServedGatehouse, startServedGatehouse } from '../support/served-gatehouse';
import { startRecordingUpstream } from '../support/upstream';

const SERVICE_TOKEN = 'svc-memory-test-0123456789abcdefghijklmnop';
const ECHO = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'kept?' } },
});

/** `count` echo calls, 8 at a time over keep-alive; every one must come back. */
async function echoCalls(url: string, bearer: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      const response = await fetch(url, { method: 'POST', headers: mcpPostHeaders(bearer), body: ECHO });
      const text = await response.text();
      if (!text.includes('"text":"kept?"')) throw new Error(`echo failed: ${response.status} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Heap kept by the server across `count` calls, after a warm-up long enough for caches, pools and the
 * optimising compiler's code (which lives on the heap too) to settle, even on a busy machine.
 */
async function retainedBy(server: ServedGatehouse, url: string, bearer: string, count: number) {
  await echoCalls(url, bearer, 1_500);
  // Two measured rounds, the smaller growth reported: a per-call leak grows both alike, while a late
  // burst of optimised code or pool growth on a loaded machine (seen in CI: +4.7 MB once) lands in one.
  const growth: number[] = [];
  let before = await server.heapUsedAfterGc();
  for (let round = 0; round < 2; round++) {
    await echoCalls(url, bearer, count);
    const after = await server.heapUsedAfterGc();
    growth.push(after - before);
    before = after;
  }
  return Math.min(...growth);
}

// Each proxied call once kept ~20 KB for ever (a caller-abort listener cycled through undici's
// FinalizationRegistry), and the gateway died of heap exhaustion after ~200k calls. 1,000 calls then
// kept ~20 MB; the bound leaves room for noise, not for a per-call leak (> 3 KB per call).
const CALLS = 1_000;
const BOUND = 3 * 1024 * 1024;

describe('memory on the proxy path (a separate gatehouse serve process)', () => {
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let server: ServedGatehouse;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    server = await startServedGatehouse(`
serviceToken: { token: ${SERVICE_TOKEN} }
resources:
  - path: /http
    scopes: [{ name: "mcp:tools", description: tools }]
    auth: [service]
    credential: { mode: shared, header: x-api-key, value: team-key }
    upstream: { url: "${upstream.url}" }
  - path: /byok
    auth: [byok]
    credential: { mode: passthrough }
    upstream: { demo: true }
`);
    // The recording upstream keeps every request's headers: not what is measured here.
    upstream.seen.length = 0;
  });
  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it('keeps no memory per call to an HTTP upstream (service token)', { timeout: 45_000 }, async () => {
    const retained = await retainedBy(server, `${server.url}/http`, SERVICE_TOKEN, CALLS);
    upstream.seen.length = 0;
    expect(retained).toBeLessThan(BOUND);
  });

  it('keeps no memory per call to the in-process demo (BYOK)', { timeout: 45_000 }, async () => {
    expect(await retainedBy(server, `${server.url}/byok`, 'demo_memory', CALLS)).toBeLessThan(BOUND);
  });
});
