/** Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive tokens. */

export function parseScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

export type ScopeCheck = { ok: true; scopes: string[] } | { ok: false; unknown: string[] };

/**
 * Resolves the requested scopes against what a resource offers. No scope requested: the resource's defaults
 * (RFC 6749 §3.3 lets the server pick). `offline_access` is accepted and dropped: refresh tokens are issued
 * to every client that may use the refresh grant, so the scope adds nothing.
 */
export function resolveRequestedScopes(
  requested: readonly string[],
  offered: readonly string[],
  defaults: readonly string[],
): ScopeCheck {
  const wanted = requested.filter((scope) => scope !== 'offline_access');
  if (requested.length === 0) return { ok: true, scopes: [...defaults] };
  const unknown = wanted.filter((scope) => !offered.includes(scope));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: wanted };
}

/** Refresh may narrow the scope, never widen it (RFC 6749 §6). */
export function narrowScopes(granted: readonly string[], requested: readonly string[]): string[] | undefined {
  if (requested.length === 0) return [...granted];
  return requested.every((scope) => granted.includes(scope)) ? [...requested] : undefined;
}

export function hasScopes(granted: readonly string[], needed: readonly string[]): boolean {
  return needed.every((scope) => granted.includes(scope));
}
