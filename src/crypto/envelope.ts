import { type Bytes, fromBase64Url, toBase64Url, utf8 } from './encoding';
import { randomBytes } from './random';

/**
 * AES-256-GCM envelopes for private data at rest. Format: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts).
 * Encrypts with the current key; decrypts with any key in the ring, so keys can be rotated without a migration.
 */
export interface KeyRing {
  readonly currentKeyId: string;
  encrypt(plaintext: string, associatedData?: string): Promise<string>;
  decrypt(envelope: string, associatedData?: string): Promise<string>;
}

export interface RawKey {
  id: string;
  /** exactly 32 bytes */
  key: Bytes;
}

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export async function createKeyRing(keys: readonly RawKey[], currentKeyId?: string): Promise<KeyRing> {
  if (keys.length === 0) throw new EnvelopeError('at least one encryption key is required');
  const ring = new Map<string, CryptoKey>();
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new EnvelopeError(`key id "${id}" must be 1-32 characters of [A-Za-z0-9_-]`);
    if (key.length !== 32) throw new EnvelopeError(`key "${id}" must be 32 bytes, got ${key.length}`);
    if (ring.has(id)) throw new EnvelopeError(`key id "${id}" is used twice`);
    ring.set(id, await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']));
  }
  const current = currentKeyId ?? keys[0]?.id ?? '';
  const currentKey = ring.get(current);
  if (!currentKey) throw new EnvelopeError(`current key "${current}" is not in the key ring`);

  return {
    currentKeyId: current,
    async encrypt(plaintext, associatedData = '') {
      const iv = randomBytes(12);
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: utf8.encode(associatedData) },
        currentKey,
        utf8.encode(plaintext),
      );
      return `v1.${current}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
    },
    async decrypt(envelope, associatedData = '') {
      const [version, keyId, iv, body, ...rest] = envelope.split('.');
      if (version !== 'v1' || !keyId || !iv || !body || rest.length > 0) {
        throw new EnvelopeError('not an envelope');
      }
      const key = ring.get(keyId);
      if (!key) throw new EnvelopeError(`unknown key id "${keyId}"`);
      try {
        const opened = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: utf8.encode(associatedData) },
          key,
          fromBase64Url(body),
        );
        return utf8.decode(new Uint8Array(opened));
      } catch {
        throw new EnvelopeError('envelope failed authentication');
      }
    },
  };
}
