export { CREDENTIAL_PREFIXES, hasCredentialPrefix } from './credential-prefixes';
export { type Bytes, fromBase64Url, toBase64Url, toHex, utf8 } from './encoding';
export { createKeyRing, EnvelopeError, type KeyRing, type RawKey } from './envelope';
export { constantTimeEqual, type HmacKey, hmacSha256, importHmacKey, sha256 } from './hash';
export { randomBytes, randomId } from './random';
