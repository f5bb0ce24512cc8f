import type { Identity } from './identity';

export type DevLoginCheck = { ok: true; identity: Identity } | { ok: false; reason: string };

const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}$/;

/**
 * The built-in development identity provider: anyone may sign in as any email. The subject is the
 * lower-cased email, so the same email is the same user across restarts.
 */
export function devLoginIdentity(email: unknown, name: unknown): DevLoginCheck {
  if (typeof email !== 'string' || !EMAIL.test(email.trim()))
    return { ok: false, reason: 'Enter an email address.' };
  const normalized = email.trim().toLowerCase();
  const display =
    typeof name === 'string' && name.trim()
      ? name.trim().slice(0, 100)
      : (normalized.split('@')[0] ?? normalized);
  return {
    ok: true,
    identity: {
      idp: 'dev',
      subject: normalized,
      email: normalized,
      emailVerified: true,
      name: display,
      groups: [],
    },
  };
}
