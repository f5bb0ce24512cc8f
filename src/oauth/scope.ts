/** Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive tokens. */

export function parseScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/**
 * Scopes a client may ask for that Gatehouse ignores (RFC 6749 §3.3 lets the server grant less):
 * `offline_access` (a refresh token comes with every grant a client may refresh) and the OpenID Connect
 * scopes that clients assuming an OpenID provider add — Gatehouse issues no ID tokens to MCP clients.
 * Unless a resource offers one of them as its own scope.
 */
const IGNORED_SCOPES = new Set(['offline_access', 'openid', 'profile', 'email', 'address', 'phone']);

function withoutIgnored(requested: readonly string[], offered: readonly string[]): string[] {
  return requested.filter((scope) => !IGNORED_SCOPES.has(scope) || offered.includes(scope));
}

export type ScopeCheck = { ok: true; scopes: string[] } | { ok: false; unknown: string[] };

/**
 * Resolves the requested scopes against what a resource offers. Ignored scopes are dropped first; if
 * nothing is left (claude.ai asks for `offline_access` alone), the resource's defaults apply, as for a
 * request with no scope. An unknown scope is refused (invalid_scope).
 */
export function resolveRequestedScopes(
  requested: readonly string[],
  offered: readonly string[],
  defaults: readonly string[],
): ScopeCheck {
  const wanted = withoutIgnored(requested, offered);
  if (wanted.length === 0) return { ok: true, scopes: [...defaults] };
  const unknown = wanted.filter((scope) => !offered.includes(scope));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, scopes: wanted };
}

/**
 * Refresh may narrow the scope, never widen it (RFC 6749 §6). Ignored scopes are dropped as at authorize
 * (OpenAI Codex sends `offline_access` on every refresh); nothing left means the grant's scopes.
 */
export function narrowScopes(granted: readonly string[], requested: readonly string[]): string[] | undefined {
  const wanted = withoutIgnored(requested, granted);
  if (wanted.length === 0) return [...granted];
  return wanted.every((scope) => granted.includes(scope)) ? [...wanted] : undefined;
}

export function hasScopes(granted: readonly string[], needed: readonly string[]): boolean {
  return needed.every((scope) => granted.includes(scope));
}
