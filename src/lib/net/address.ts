import { isIP } from 'node:net';

/**
 * Classifies IP addresses for the SSRF guard: only `public` addresses may be dialled for fetched
 * metadata. Pure: no DNS, no sockets.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

type Range = readonly [prefix: bigint, bits: number, cls: AddressClass];

function v4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

const V4_RANGES: Range[] = [
  [v4('0.0.0.0') ?? 0n, 8, 'unspecified'], // "this network" (RFC 791)
  [v4('10.0.0.0') ?? 0n, 8, 'private'], // RFC 1918
  [v4('100.64.0.0') ?? 0n, 10, 'cgnat'], // RFC 6598
  [v4('127.0.0.0') ?? 0n, 8, 'loopback'],
  [v4('169.254.0.0') ?? 0n, 16, 'link-local'], // includes cloud metadata 169.254.169.254
  [v4('172.16.0.0') ?? 0n, 12, 'private'],
  [v4('192.0.0.0') ?? 0n, 24, 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0') ?? 0n, 24, 'reserved'], // TEST-NET-1
  [v4('192.88.99.0') ?? 0n, 24, 'reserved'], // 6to4 relay anycast
  [v4('192.168.0.0') ?? 0n, 16, 'private'],
  [v4('198.18.0.0') ?? 0n, 15, 'reserved'], // benchmarking
  [v4('198.51.100.0') ?? 0n, 24, 'reserved'], // TEST-NET-2
  [v4('203.0.113.0') ?? 0n, 24, 'reserved'], // TEST-NET-3
  [v4('224.0.0.0') ?? 0n, 4, 'multicast'],
  [v4('240.0.0.0') ?? 0n, 4, 'reserved'], // includes broadcast
];

function classifyV4(value: bigint): AddressClass {
  for (const [prefix, bits, cls] of V4_RANGES) {
    const shift = BigInt(32 - bits);
    if (value >> shift === prefix >> shift) return cls;
  }
  return 'public';
}

function v6(text: string): bigint | undefined {
  let input = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(input);
  if (tail?.[1]) {
    const value = v4(tail[1]);
    if (value === undefined) return undefined;
    input = `${input.slice(0, -tail[1].length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const halves = input.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

function classifyV6(value: bigint): AddressClass {
  if (value === 0n) return 'unspecified';
  if (value === 1n) return 'loopback';
  const top = (bits: number) => value >> BigInt(128 - bits);
  // IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96 and NAT64 64:ff9b::/96 carry an IPv4 address:
  // judge them by it (e.g. ::ffff:127.0.0.1 is loopback).
  if (top(96) === 0xffffn || top(96) === 0n || top(96) === 0x64ff9b0000000000000000n) {
    return classifyV4(value & 0xffffffffn);
  }
  if (top(16) === 0x2002n) return classifyV4((value >> 80n) & 0xffffffffn); // 6to4 embeds an IPv4
  if (top(7) === 0x7en) return 'unique-local'; // fc00::/7
  if (top(10) === 0x3fan) return 'link-local'; // fe80::/10
  if (top(10) === 0x3fbn) return 'reserved'; // fec0::/10 deprecated site-local
  if (top(8) === 0xffn) return 'multicast';
  if (top(32) === 0x20010db8n) return 'reserved'; // documentation
  if (top(3) !== 0x1n) return 'reserved'; // outside 2000::/3 global unicast
  return 'public';
}

/** Classifies an IPv4 or IPv6 literal (brackets and a zone id are accepted). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) {
    const value = v4(bare);
    return value === undefined ? 'invalid' : classifyV4(value);
  }
  if (family === 6) {
    const value = v6(bare.toLowerCase());
    return value === undefined ? 'invalid' : classifyV6(value);
  }
  return 'invalid';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
