import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  createKeyRing,
  fromBase64Url,
  hmacSha256,
  importHmacKey,
  randomBytes,
  randomId,
  sha256,
  utf8,
} from '.';

const key = (fill: number) => new Uint8Array(32).fill(fill);

describe('hashing', () => {
  it('sha256 matches the FIPS 180-2 vector for "abc"', async () => {
    expect(Buffer.from(fromBase64Url(await sha256('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hmacSha256 matches RFC 4231 test case 2', async () => {
    const hmacKey = await importHmacKey(utf8.encode('Jefe'));
    const mac = await hmacSha256(hmacKey, 'what do ya want for nothing?');
    expect(Buffer.from(fromBase64Url(mac)).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('constantTimeEqual is true only for identical strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', 'a')).toBe(false);
  });
});

describe('randomId', () => {
  it('carries 256 bits by default and never repeats', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(fromBase64Url(id).length).toBe(32);
  });

  it('refuses fewer than 128 bits', () => {
    expect(() => randomId(8)).toThrow(/128 bits/);
  });
});

describe('randomBytes (pooled)', () => {
  it('gives each caller bytes of its own, across pool refills and for large requests', () => {
    // 12-byte draws cross the 4 KiB pool boundary several times; no two draws may share bytes.
    const draws = Array.from({ length: 1500 }, () => Buffer.from(randomBytes(12)).toString('hex'));
    expect(new Set(draws).size).toBe(draws.length);
    expect(draws.every((hex) => hex.length === 24)).toBe(true);
    const large = randomBytes(5000);
    expect(large.length).toBe(5000);
    // Not a wiped (zero) pool slice: over 5,000 random bytes, zeros are about 1 in 256.
    expect(large.filter((byte) => byte === 0).length).toBeLessThan(100);
    const counts = new Array<number>(256).fill(0);
    for (const hex of draws)
      for (const byte of Buffer.from(hex, 'hex')) counts[byte] = (counts[byte] ?? 0) + 1;
    // 18,000 bytes over 256 values (~70 each): a wiped or repeated pool would pile onto a few values.
    expect(Math.max(...counts)).toBeLessThan(140);
  });
});

describe('AES-256-GCM envelopes', () => {
  it('opens the NIST GCM spec test case 14 (256-bit zero key, zero IV, 16 zero bytes)', async () => {
    const ring = await createKeyRing([{ id: 'k0', key: new Uint8Array(32) }]);
    const body = Buffer.from('cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919', 'hex');
    const envelope = `v1.k0.${Buffer.alloc(12).toString('base64url')}.${body.toString('base64url')}`;
    expect(await ring.decrypt(envelope)).toBe('\u0000'.repeat(16));
  });

  it('round-trips, binds associated data and detects tampering', async () => {
    const ring = await createKeyRing([{ id: 'k1', key: key(1) }]);
    const sealed = await ring.encrypt('secret props', 'grant:1');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(sealed).not.toContain('secret');
    expect(await ring.decrypt(sealed, 'grant:1')).toBe('secret props');
    await expect(ring.decrypt(sealed, 'grant:2')).rejects.toThrow(/authentication/);
    const parts = sealed.split('.');
    const body = parts[3] ?? '';
    // Flip the first character of the ciphertext (the last one may only carry padding bits).
    const tampered = [...parts.slice(0, 3), `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`].join('.');
    await expect(ring.decrypt(tampered, 'grant:1')).rejects.toThrow();
    await expect(ring.decrypt('garbage')).rejects.toThrow(/not an envelope/);
  });

  it('rotates keys: old envelopes still open, new ones use the current key', async () => {
    const old = await createKeyRing([{ id: 'old', key: key(2) }]);
    const sealedWithOld = await old.encrypt('kept');
    const rotated = await createKeyRing(
      [
        { id: 'new', key: key(3) },
        { id: 'old', key: key(2) },
      ],
      'new',
    );
    expect(await rotated.decrypt(sealedWithOld)).toBe('kept');
    expect((await rotated.encrypt('x')).startsWith('v1.new.')).toBe(true);
    const retired = await createKeyRing([{ id: 'new', key: key(3) }]);
    await expect(retired.decrypt(sealedWithOld)).rejects.toThrow(/unknown key id "old"/);
  });

  it('refuses short keys and bad ids', async () => {
    await expect(createKeyRing([{ id: 'k', key: new Uint8Array(16) }])).rejects.toThrow(/32 bytes/);
    await expect(createKeyRing([{ id: 'a.b', key: key(1) }])).rejects.toThrow(/key id/);
    await expect(createKeyRing([])).rejects.toThrow(/at least one/);
  });
});
