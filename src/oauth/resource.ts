import type { ScopeAllow } from '../identity/scope-policy';
/** RFC 8707 resource indicators and the audience rule. */

export interface ProtectedResource {
  /** canonical URI: issuer origin + path, no trailing slash */
  uri: string;
  path: string;
  name: string;
  scopes: ReadonlyArray<{
    name: string;
    description: string;
    default: boolean;
    allow?: ScopeAllow | undefined;
  }>;
  /** accepted credentials (default: Gatehouse OAuth tokens and personal access tokens) */
  auth?: ReadonlyArray<'oauth' | 'pat' | 'service'>;
}

export type ResourceCheck = { ok: true; resource: ProtectedResource } | { ok: false; reason: string };

/** Canonical form for comparison (MCP: scheme and host are case-insensitive; no trailing slash). */
export function canonicalResourceUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.hash || uri.includes('#')) return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

/**
 * Picks the protected resource a request names (RFC 8707 §2: absolute URI, no fragment). Omitted: the
 * default (first configured) resource. A URI naming no configured resource is `invalid_target`.
 */
export function resolveResource(
  requested: string | undefined,
  resources: readonly ProtectedResource[],
): ResourceCheck {
  if (requested === undefined || requested === '') {
    const first = resources[0];
    return first
      ? { ok: true, resource: first }
      : { ok: false, reason: 'no protected resource is configured' };
  }
  const canonical = canonicalResourceUri(requested);
  if (!canonical)
    return { ok: false, reason: 'resource must be an absolute URI without a fragment (RFC 8707 §2)' };
  const match = resources.find((resource) => resource.uri === canonical);
  return match ? { ok: true, resource: match } : { ok: false, reason: `unknown resource ${requested}` };
}

/**
 * Whether a token whose audience is `audience` may be used at `requestUri`: the same resource, or a path
 * below it on a segment boundary (`/mcp` covers `/mcp/x`, never `/mcp-other`).
 */
export function audienceCovers(audience: string, requestUri: string): boolean {
  const canonical = canonicalResourceUri(requestUri.split('?')[0] ?? '');
  if (!canonical) return false;
  return canonical === audience || canonical.startsWith(`${audience}/`);
}

/** The path of a resource URI (no trailing slash): what binds a token or a rule to one of this server's endpoints. */
export function resourcePath(uri: string): string {
  try {
    return new URL(uri).pathname.replace(/\/+$/, '');
  } catch {
    return uri;
  }
}
