import type { GatehouseConfig } from '../config';
import type { Identity } from './identity';
import type { ProviderSettings } from './presets';

export type AccessPolicy = GatehouseConfig['access'];

export type AccessDecision =
  | { admitted: true; admin: boolean }
  | { admitted: false; reason: 'email_missing' | 'email_unverified' | 'hosted_domain' | 'not_admitted' };

const lower = (value: string) => value.trim().toLowerCase();

function emailDomain(email: string): string {
  return lower(email.slice(email.lastIndexOf('@') + 1));
}

/**
 * Who is admitted. Every requirement of the provider (verified email, Google hosted domain) must hold,
 * and then any one rule of the policy admits: domain, address or group. Comparisons ignore case.
 * Pure; the refusal reason goes to the audit log, never to the refused person.
 */
export function evaluateAccess(
  policy: AccessPolicy,
  provider: Pick<ProviderSettings, 'requireEmailVerified' | 'hostedDomain'>,
  identity: Identity,
): AccessDecision {
  const email = lower(identity.email);
  if (!email.includes('@')) return { admitted: false, reason: 'email_missing' };
  if (provider.requireEmailVerified && !identity.emailVerified)
    return { admitted: false, reason: 'email_unverified' };
  // Google `hd` is an additional requirement: a user of another domain is refused even if listed.
  if (provider.hostedDomain && lower(identity.hostedDomain ?? '') !== provider.hostedDomain)
    return { admitted: false, reason: 'hosted_domain' };

  const groups = new Set(identity.groups.map(lower));
  const inAny = (list: readonly string[]) => list.some((group) => groups.has(lower(group)));
  const admitted =
    policy.allowAnyone ||
    policy.domains.some((domain) => lower(domain) === emailDomain(email)) ||
    policy.emails.some((listed) => lower(listed) === email) ||
    inAny(policy.groups);
  if (!admitted) return { admitted: false, reason: 'not_admitted' };
  return { admitted: true, admin: isAdmin(policy, identity) };
}

/** Named an admin by email or group (case-insensitive). Checked against the current configuration. */
export function isAdmin(policy: AccessPolicy, identity: Pick<Identity, 'email' | 'groups'>): boolean {
  const email = lower(identity.email);
  const groups = new Set(identity.groups.map(lower));
  return (
    policy.admins.emails.some((listed) => lower(listed) === email) ||
    policy.admins.groups.some((group) => groups.has(lower(group)))
  );
}
