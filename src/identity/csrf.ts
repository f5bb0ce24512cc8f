import { constantTimeEqual, type HmacKey, hmacSha256 } from '../crypto';

/**
 * CSRF tokens bound to a browser secret (the session id, or a pre-login cookie) and to a purpose,
 * so a token for one form or one pending request is useless for another. Stateless: HMAC only.
 */
export async function csrfToken(key: HmacKey, binding: string, purpose: string): Promise<string> {
  return hmacSha256(key, `csrf|${binding}|${purpose}`);
}

export async function verifyCsrfToken(
  key: HmacKey,
  binding: string | undefined,
  purpose: string,
  presented: unknown,
): Promise<boolean> {
  if (!binding || typeof presented !== 'string' || presented.length > 100) return false;
  return constantTimeEqual(await csrfToken(key, binding, purpose), presented);
}
