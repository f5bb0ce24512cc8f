import { resourcePath } from '../oauth/resource';
import type { UserDirectory } from './directory';

/** Who may hold a scope: any listed group, address or email domain (absent: every admitted user). */
export interface ScopeAllow {
  groups?: readonly string[] | undefined;
  emails?: readonly string[] | undefined;
  domains?: readonly string[] | undefined;
}

interface ResourceScopes {
  uri: string;
  scopes: ReadonlyArray<{ name: string; allow?: ScopeAllow | undefined }>;
}

const lower = (value: string) => value.trim().toLowerCase();

/** Whether this person may hold a scope with this rule. Pure; comparisons ignore case. */
export function mayHold(allow: ScopeAllow | undefined, who: { email: string; groups: readonly string[] }) {
  if (!allow) return true;
  const email = lower(who.email);
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const groups = new Set(who.groups.map(lower));
  return (
    (allow.emails ?? []).some((listed) => lower(listed) === email) ||
    (allow.domains ?? []).some((listed) => lower(listed) === domain) ||
    (allow.groups ?? []).some((group) => groups.has(lower(group)))
  );
}

/** Why a scope is not available, in words for the person refused. */
export function allowedTo(allow: ScopeAllow): string {
  const parts = [
    ...(allow.groups?.length ? [`members of ${allow.groups.join(', ')}`] : []),
    ...(allow.emails?.length ? [`${allow.emails.join(', ')}`] : []),
    ...(allow.domains?.length ? [`addresses at ${allow.domains.join(', ')}`] : []),
  ];
  return `only for ${parts.join('; ') || 'nobody'}`;
}

export type ScopeVerdict = { name: string; allowed: true } | { name: string; allowed: false; reason: string };

/**
 * The scope policy (`resources[].scopes[].allow`) against users as the directory knows them now (profile
 * as of their last login or identity check). Undefined when no scope has a rule: then nothing is checked,
 * anywhere, at no cost.
 */
export function createScopePolicy(resources: readonly ResourceScopes[], directory: UserDirectory) {
  if (!resources.some((resource) => resource.scopes.some((scope) => scope.allow))) return undefined;
  // By the endpoint's path: a grant made before the issuer's host or port changed names the same endpoint.
  const ruleOf = (resourceUri: string, scope: string) =>
    resources
      .find((r) => resourcePath(r.uri) === resourcePath(resourceUri))
      ?.scopes.find((s) => s.name === scope)?.allow;
  const judge = async (userId: string, resourceUri: string, scopes: readonly string[]) => {
    const rules = scopes.map((name) => ({ name, allow: ruleOf(resourceUri, name) }));
    if (rules.every((rule) => !rule.allow))
      return rules.map((rule): ScopeVerdict => ({ name: rule.name, allowed: true }));
    const record = await directory.get(userId);
    const profile = record && (await directory.profile(record));
    return rules.map(
      (rule): ScopeVerdict =>
        !rule.allow || (profile && mayHold(rule.allow, profile))
          ? { name: rule.name, allowed: true }
          : { name: rule.name, allowed: false, reason: allowedTo(rule.allow) },
    );
  };
  return {
    judge,
    /** The scopes of `scopes` this user may hold at the resource. */
    async allowed(userId: string, resourceUri: string, scopes: readonly string[]): Promise<string[]> {
      return (await judge(userId, resourceUri, scopes)).filter((v) => v.allowed).map((v) => v.name);
    },
  };
}

export type ScopePolicy = NonNullable<ReturnType<typeof createScopePolicy>>;
