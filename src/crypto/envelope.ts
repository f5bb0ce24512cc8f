import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
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
  const ring = new Map<string, KeyObject>();
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new EnvelopeError(`key id "${id}" must be 1-32 characters of [A-Za-z0-9_-]`);
    if (key.length !== 32) throw new EnvelopeError(`key "${id}" must be 32 bytes, got ${key.length}`);
    if (ring.has(id)) throw new EnvelopeError(`key id "${id}" is used twice`);
    ring.set(id, createSecretKey(key));
  }
  const current = currentKeyId ?? keys[0]?.id ?? '';
  const currentKey = ring.get(current);
  if (!currentKey) throw new EnvelopeError(`current key "${current}" is not in the key ring`);

  return {
    currentKeyId: current,
    async encrypt(plaintext, associatedData = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(utf8.encode(associatedData));
      // Same layout as WebCrypto's AES-GCM output: ciphertext then the 16-byte tag.
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${current}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
    },
    async decrypt(envelope, associatedData = '') {
      const [version, keyId, iv, body, ...rest] = envelope.split('.');
      if (version !== 'v1' || !keyId || !iv || !body || rest.length > 0) {
        throw new EnvelopeError('not an envelope');
      }
      const key = ring.get(keyId);
      if (!key) throw new EnvelopeError(`unknown key id "${keyId}"`);
      try {
        const sealed = fromBase64Url(body);
        if (sealed.length < 16) throw new EnvelopeError('too short');
        const decipher = createDecipheriv('aes-256-gcm', key, fromBase64Url(iv));
        decipher.setAAD(utf8.encode(associatedData));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const opened = Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - 16)),
          decipher.final(),
        ]);
        return opened.toString('utf8');
      } catch {
        throw new EnvelopeError('envelope failed authentication');
      }
    },
  };
}
