import { randomFillSync } from 'node:crypto';
import { type Bytes, toBase64Url } from './encoding';

/**
 * Random bytes from the platform CSPRNG, served from a pool refilled 4 KiB at a time (as Node's own
 * randomUUID does): one CSPRNG call per ~100 tokens instead of one per token. Bytes handed out are
 * wiped from the pool.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  if (length > POOL_BYTES / 4) return randomFillSync(out);
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  out.set(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}

/**
 * An opaque identifier or secret: 32 random bytes (256 bits), base64url.
 * Codes, tokens and nonces all use this so every one carries well over 128 bits of entropy.
 */
export function randomId(bytes = 32): string {
  if (bytes < 16) throw new RangeError('ids need at least 128 bits of randomness');
  return toBase64Url(randomBytes(bytes));
}
