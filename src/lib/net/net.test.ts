import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address';
import { type OutboundDeps, safeFetch } from './safe-fetch';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:a00:1::', 'private'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['not an ip', 'invalid'],
    ['1.2.3', 'invalid'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
});

/**
 * Fake outbound world: names resolve per `dns`; the connector serves canned bodies for public addresses and
 * fails the test outright if it is ever asked to dial anything else. No packet leaves the process.
 */
function fakeOutbound(
  dns: Record<string, string[]>,
  body: string | (() => AsyncIterable<Uint8Array>),
  status = 200,
) {
  const dialled: string[] = [];
  const deps: OutboundDeps = {
    resolve: async (host) => {
      const answer = dns[host];
      if (!answer) throw new Error('ENOTFOUND');
      return answer;
    },
    get: async (_url, address) => {
      if (classifyAddress(address) !== 'public') throw new Error(`TEST FAILURE: asked to dial ${address}`);
      dialled.push(address);
      const stream =
        typeof body === 'string'
          ? (async function* () {
              yield new TextEncoder().encode(body);
            })()
          : body();
      return { status, headers: { 'content-type': 'application/json' }, body: stream };
    },
  };
  return { deps, dialled };
}

const options = { maxBytes: 5 * 1024, timeoutMs: 500 };

describe('safeFetch', () => {
  it('fetches from a public address and connects to the checked address', async () => {
    const { deps, dialled } = fakeOutbound({ 'client.example.com': ['93.184.216.34'] }, '{"ok":true}');
    const result = await safeFetch(new URL('https://client.example.com/m.json'), options, deps);
    expect(result.text).toBe('{"ok":true}');
    expect(dialled).toEqual(['93.184.216.34']);
  });

  it.each([
    ['https://127.0.0.1/m.json', {}],
    ['https://10.0.0.5/m.json', {}],
    ['https://169.254.169.254/latest/meta-data', {}],
    ['https://[::ffff:127.0.0.1]/m.json', {}],
    ['https://[::1]/m.json', {}],
    ['https://internal.example.com/m.json', { 'internal.example.com': ['10.1.1.1'] }],
    ['https://rebind.example.com/m.json', { 'rebind.example.com': ['93.184.216.34', '192.168.0.10'] }],
    ['https://metadata.example.com/m.json', { 'metadata.example.com': ['fd00:ec2::254'] }],
    ['https://nowhere.example.com/m.json', {}],
  ])('refuses %s without dialling', async (url, dns) => {
    const { deps, dialled } = fakeOutbound(dns as Record<string, string[]>, '{}');
    await expect(safeFetch(new URL(url), options, deps)).rejects.toThrow(/refused|does not resolve/);
    expect(dialled).toEqual([]);
  });

  it('refuses oversized bodies', async () => {
    const { deps } = fakeOutbound({ 'big.example.com': ['93.184.216.34'] }, 'x'.repeat(6000));
    await expect(safeFetch(new URL('https://big.example.com/m.json'), options, deps)).rejects.toThrow(
      /larger than 5120/,
    );
  });

  it('gives up on slow bodies after the total timeout', async () => {
    const slow = () =>
      (async function* () {
        yield new TextEncoder().encode('{');
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        yield new TextEncoder().encode('}');
      })();
    const { deps } = fakeOutbound({ 'slow.example.com': ['93.184.216.34'] }, slow);
    const started = Date.now();
    await expect(safeFetch(new URL('https://slow.example.com/m.json'), options, deps)).rejects.toThrow(
      /within 500 ms/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not follow redirects', async () => {
    const { deps } = fakeOutbound({ 'r.example.com': ['93.184.216.34'] }, '', 302);
    await expect(safeFetch(new URL('https://r.example.com/m.json'), options, deps)).rejects.toThrow(
      /redirects/,
    );
  });

  it('allows loopback only when told to (development)', async () => {
    const deps: OutboundDeps = {
      resolve: async () => ['127.0.0.1'],
      get: async () => ({
        status: 200,
        headers: {},
        body: (async function* () {
          yield new TextEncoder().encode('{}');
        })(),
      }),
    };
    await expect(safeFetch(new URL('http://localhost:1/m.json'), options, deps)).rejects.toThrow(/loopback/);
    expect(
      (await safeFetch(new URL('http://localhost:1/m.json'), { ...options, allowLoopback: true }, deps)).text,
    ).toBe('{}');
  });
});
