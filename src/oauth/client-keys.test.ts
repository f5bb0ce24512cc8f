import { describe, expect, it } from 'vitest';
import type { OutboundDeps } from '../lib/net/safe-fetch';
import { createClientKeySource } from './client-keys';

const URI = 'https://client.example.com/jwks.json';

/** A resolver and connector that never leave the process: each fetch answers the current key set. */
function fakeOutbound(answer: () => { status?: number; body: AsyncIterable<Uint8Array> }) {
  const fetched: string[] = [];
  const outbound: OutboundDeps = {
    resolve: async () => ['93.184.215.14'],
    get: async (url) => {
      fetched.push(url.toString());
      const { status = 200, body } = answer();
      return { status, headers: { 'content-type': 'application/json' }, body };
    },
  };
  return { outbound, fetched };
}

async function* chunks(text: string) {
  yield new TextEncoder().encode(text);
}

describe('client key sets (jwks_uri)', () => {
  it('are cached, re-fetched for an unknown kid only after a cooldown, and again after the TTL', async () => {
    let kid = 'k1';
    let now = 1_000_000;
    const { outbound, fetched } = fakeOutbound(() => ({ body: chunks(JSON.stringify({ keys: [{ kid }] })) }));
    const keys = createClientKeySource({
      outbound,
      now: () => now,
      ttlMs: 300_000,
      refetchCooldownMs: 30_000,
    });
    expect((await keys.fetch(URI)).keys[0]?.kid).toBe('k1');
    kid = 'k2';
    expect((await keys.fetch(URI)).keys[0]?.kid).toBe('k1');
    expect((await keys.fetch(URI, { fresh: true })).keys[0]?.kid).toBe('k1'); // within the cooldown
    now += 31_000;
    expect((await keys.fetch(URI, { fresh: true })).keys[0]?.kid).toBe('k2');
    kid = 'k3';
    now += 300_001;
    expect((await keys.fetch(URI)).keys[0]?.kid).toBe('k3');
    expect(fetched).toHaveLength(3);
  });

  it('refuse an oversized, slow, non-JSON or failing answer', async () => {
    const big = fakeOutbound(() => ({ body: chunks(JSON.stringify({ keys: [{ n: 'x'.repeat(70_000) }] })) }));
    await expect(createClientKeySource({ outbound: big.outbound, now: Date.now }).fetch(URI)).rejects.toThrow(
      /larger than/,
    );

    const slow = fakeOutbound(() => ({
      body: (async function* () {
        yield new TextEncoder().encode('{"keys":');
        await new Promise(() => {}); // never finishes
      })(),
    }));
    const slowKeys = createClientKeySource({ outbound: slow.outbound, now: Date.now, timeoutMs: 50 });
    await expect(slowKeys.fetch(URI)).rejects.toThrow(/within 50 ms/);

    const html = fakeOutbound(() => ({ body: chunks('<html>') }));
    await expect(
      createClientKeySource({ outbound: html.outbound, now: Date.now }).fetch(URI),
    ).rejects.toThrow(/JSON/);
    const gone = fakeOutbound(() => ({ status: 404, body: chunks('') }));
    await expect(
      createClientKeySource({ outbound: gone.outbound, now: Date.now }).fetch(URI),
    ).rejects.toThrow(/404/);
  });

  it('never connect to a private address', async () => {
    const { outbound, fetched } = fakeOutbound(() => ({ body: chunks('{"keys":[]}') }));
    const keys = createClientKeySource({
      outbound: { ...outbound, resolve: async () => ['10.0.0.5'] },
      now: Date.now,
    });
    await expect(keys.fetch(URI)).rejects.toThrow(/private/);
    expect(fetched).toEqual([]);
  });
});
