import { type Bytes, toBase64Url, utf8 } from './encoding';

/** SHA-256 of a UTF-8 string, base64url. Used to store tokens, codes and secrets by hash only. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8.encode(text));
  return toBase64Url(new Uint8Array(digest));
}

export type HmacKey = CryptoKey;

export async function importHmacKey(secret: Bytes): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** HMAC-SHA-256 of a UTF-8 string, base64url. Used where a hash must not be recomputable without the secret. */
export async function hmacSha256(key: HmacKey, text: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', key, utf8.encode(text));
  return toBase64Url(new Uint8Array(mac));
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
