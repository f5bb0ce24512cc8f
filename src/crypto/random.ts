import { type Bytes, toBase64Url } from './encoding';

/** Random bytes from the platform CSPRNG. */
export function randomBytes(length: number): Bytes {
  return crypto.getRandomValues(new Uint8Array(length));
}

/**
 * An opaque identifier or secret: 32 random bytes (256 bits), base64url.
 * Codes, tokens and nonces all use this so every one carries well over 128 bits of entropy.
 */
export function randomId(bytes = 32): string {
  if (bytes < 16) throw new RangeError('ids need at least 128 bits of randomness');
  return toBase64Url(randomBytes(bytes));
}
