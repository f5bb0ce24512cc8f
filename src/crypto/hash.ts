import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { type Bytes, utf8 } from './encoding';

// node:crypto, not crypto.subtle: on Node every WebCrypto call is a thread-pool job, and that dispatch was
// the largest single cost of the token endpoint (README, "Foundations"). The functions stay async so a
// WebCrypto implementation can replace this file on a runtime without node:crypto.

/** SHA-256 of a UTF-8 string, base64url. Used to store tokens, codes and secrets by hash only. */
export async function sha256(text: string): Promise<string> {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export type HmacKey = KeyObject;

export async function importHmacKey(secret: Bytes): Promise<HmacKey> {
  return createSecretKey(secret);
}

/** HMAC-SHA-256 of a UTF-8 string, base64url. Used where a hash must not be recomputable without the secret. */
export async function hmacSha256(key: HmacKey, text: string): Promise<string> {
  return createHmac('sha256', key).update(utf8.encode(text)).digest('base64url');
}

/**
 * Compares two strings in time that depends only on their lengths, never on where they differ.
 * Length is not secret for the values compared here (fixed-size tokens and MACs).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = utf8.encode(a);
  const right = utf8.encode(b);
  let diff = left.length === right.length ? 0 : 1;
  for (let i = 0; i < left.length; i++) {
    diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return diff === 0;
}
