import type { KeyRing } from '../crypto';
import type { AccessClaims } from '../oauth/deps';
import { unseal } from '../oauth/deps';
import { hashToken } from '../oauth/issue';
import { protectedResourceMetadataUrl } from '../oauth/metadata';
import { audienceCovers, type ProtectedResource } from '../oauth/resource';
import { hasScopes } from '../oauth/scope';
import type { TokenStore } from '../oauth/store';
import { bearerChallenge, bearerToken } from './challenge';

export interface VerifiedToken {
  userId: string;
  clientId: string;
  scopes: string[];
  resource: string;
  grantId: string;
  expiresAt: number;
  /** which credential: a Gatehouse OAuth access token (default), a personal access token, the service token */
  via?: 'oauth' | 'pat' | 'service';
}

export type Verification =
  | { ok: true; token: VerifiedToken }
  | { ok: false; status: 401 | 403 | 400; challenge: string; error: string; description: string };

interface CacheEntry {
  token: VerifiedToken;
  tokenHash: string;
  cachedUntil: number;
}

export interface AccessTokenVerifier {
  verify(
    authorization: string | undefined,
    resource: ProtectedResource,
    requestUrl: string,
    needed?: readonly string[],
  ): Promise<Verification>;
  /** Drop cached verifications at once (revocation on this instance is immediate). */
  forgetGrant(grantId: string): void;
  forgetToken(tokenHash: string): void;
}

const MAX_CACHE_ENTRIES = 50_000;

type RefusalError = 'invalid_token' | 'insufficient_scope';

/** A refused request with its RFC 6750 / RFC 9728 challenge (no `error` when no credential was sent). */
export function refusal(
  resourceMetadata: string,
  status: 401 | 403,
  error: RefusalError | '',
  description: string,
  scope?: readonly string[],
): Verification & { ok: false } {
  return {
    ok: false,
    status,
    error,
    description,
    challenge: bearerChallenge({
      resourceMetadata,
      ...(error ? { error, description } : {}),
      ...(scope ? { scope } : {}),
    }),
  };
}

/**
 * Verifies Gatehouse access tokens for a protected resource (OAuth 2.1 §5.2, RFC 8707 audience, RFC 6750
 * errors). A positive result is cached in memory for at most `cacheMs` (explicit, bounded): another
 * instance's revocation takes effect here within that time; this instance's at once.
 */
export function createAccessTokenVerifier(deps: {
  tokens: TokenStore;
  keyRing: KeyRing;
  now: () => number;
  cacheMs: number;
}): AccessTokenVerifier {
  const cache = new Map<string, CacheEntry>();
  // Per-resource strings the challenges need, computed once rather than on every request.
  const challengeParts = new Map<ProtectedResource, { resourceMetadata: string; defaults: string[] }>();
  const partsFor = (resource: ProtectedResource) => {
    let parts = challengeParts.get(resource);
    if (!parts) {
      parts = {
        resourceMetadata: protectedResourceMetadataUrl(resource),
        defaults: resource.scopes.filter((s) => s.default).map((s) => s.name),
      };
      challengeParts.set(resource, parts);
    }
    return parts;
  };

  const lookup = async (tokenHash: string): Promise<VerifiedToken | undefined> => {
    const at = deps.now();
    const hit = cache.get(tokenHash);
    if (hit && hit.cachedUntil > at && hit.token.expiresAt > at) return hit.token;
    if (hit) cache.delete(tokenHash);
    const row = await deps.tokens.findAccess(tokenHash, at);
    if (!row) return undefined;
    const claims = await unseal<AccessClaims>(deps, row.sealed, `at:${tokenHash}`);
    const token: VerifiedToken = { ...claims, grantId: row.grantId, expiresAt: row.expiresAt };
    if (deps.cacheMs > 0) {
      if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
      cache.set(tokenHash, { token, tokenHash, cachedUntil: at + deps.cacheMs });
    }
    return token;
  };

  return {
    async verify(authorization, resource, requestUrl, needed = []) {
      const { resourceMetadata, defaults } = partsFor(resource);
      const refuse = (
        status: 401 | 403,
        error: RefusalError | '',
        description: string,
        scope?: readonly string[],
      ) => refusal(resourceMetadata, status, error, description, scope);
      if (!authorization) {
        return {
          ...refuse(401, '', 'authorization required'),
          challenge: bearerChallenge({ resourceMetadata, scope: defaults }),
        };
      }
      const presented = bearerToken(authorization);
      if (!presented)
        return refuse(401, 'invalid_token', 'the Authorization header must be "Bearer <token>"');
      const token = await lookup(await hashToken(presented));
      if (!token) return refuse(401, 'invalid_token', 'the access token is invalid, expired or revoked');
      // RFC 8707 / MCP: the token must have been issued for this resource.
      if (!audienceCovers(token.resource, requestUrl)) {
        return refuse(401, 'invalid_token', 'the access token was issued for another resource');
      }
      if (!hasScopes(token.scopes, needed)) {
        return refuse(403, 'insufficient_scope', `this operation needs: ${needed.join(' ')}`, needed);
      }
      return { ok: true, token };
    },
    forgetGrant(grantId) {
      for (const [key, entry] of cache) if (entry.token.grantId === grantId) cache.delete(key);
    },
    forgetToken(tokenHash) {
      cache.delete(tokenHash);
    },
  };
}
