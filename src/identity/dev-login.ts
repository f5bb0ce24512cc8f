import { type HmacKey, hmacSha256 } from '../crypto';
import type { User } from './user';

export type DevLoginCheck = { ok: true; user: User } | { ok: false; reason: string };

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}$/;

/**
 * The built-in development identity provider: anyone may sign in as any email. The user id is an HMAC of
 * the email, so it is stable across restarts and opaque.
 */
export async function devLoginUser(key: HmacKey, email: unknown, name: unknown): Promise<DevLoginCheck> {
  if (typeof email !== 'string' || !EMAIL.test(email.trim()))
    return { ok: false, reason: 'Enter an email address.' };
  const normalized = email.trim().toLowerCase();
  const display =
    typeof name === 'string' && name.trim() ? name.trim().slice(0, 100) : normalized.split('@')[0];
  const id = `u_${(await hmacSha256(key, `dev|${normalized}`)).slice(0, 32)}`;
  return { ok: true, user: { id, email: normalized, name: display ?? normalized } };
}
