import { constantTimeEqual, hasCredentialPrefix, sha256 } from '../crypto';
import { protectedResourceMetadataUrl } from '../oauth/metadata';
import { audienceCovers, type ProtectedResource } from '../oauth/resource';
import { hasScopes } from '../oauth/scope';
import type { AuditLog, Logger } from '../telemetry';
import { bearerToken } from './challenge';
import { findPat, PAT_PREFIX, type PatDeps } from './pat';
import { type AccessTokenVerifier, refusal, type Verification, type VerifiedToken } from './verify';

export interface ServiceTokenConfig {
  token?: string | undefined;
  name: string;
  /** empty: every scope of the resource */
  scopes: readonly string[];
}

export interface BearerAuthenticator {
  verify(
    authorization: string | undefined,
    resource: ProtectedResource,
    requestUrl: string,
    context: { ip: string; needed?: readonly string[] },
  ): Promise<Verification>;
  /** Whether `presented` is a credential Gatehouse issued or holds (never forwarded to a BYOK upstream). */
  isGatehouseCredential(presented: string): Promise<boolean>;
}

const DEFAULT_AUTH = ['oauth', 'pat'] as const;

/**
 * The credentials a protected endpoint accepts (its `auth` list): Gatehouse OAuth access tokens, personal
 * access tokens (`gth_…`) and the shared service token. Each is checked for this resource (audience) and
 * the scopes the operation needs; refusals carry RFC 6750 / RFC 9728 challenges.
 */
export function createBearerAuthenticator(deps: {
  oauth: AccessTokenVerifier;
  pats: PatDeps;
  service: ServiceTokenConfig;
  audit: AuditLog;
  logger: Logger;
}): BearerAuthenticator {
  const serviceHash = deps.service.token ? sha256(deps.service.token) : undefined;

  async function serviceIdentityMatches(presented: string): Promise<boolean> {
    // Constant time: compare equal-length digests, never the raw strings.
    return serviceHash !== undefined && constantTimeEqual(await sha256(presented), await serviceHash);
  }

  /** The service identity at this resource, when the presented token is the service token. */
  async function serviceIdentity(
    presented: string,
    resource: ProtectedResource,
  ): Promise<VerifiedToken | undefined> {
    if (!(await serviceIdentityMatches(presented))) return undefined;
    return {
      userId: `service:${deps.service.name}`,
      clientId: 'service-token',
      scopes: resource.scopes
        .map((scope) => scope.name)
        .filter((name) => deps.service.scopes.length === 0 || deps.service.scopes.includes(name)),
      resource: resource.uri,
      grantId: 'service-token',
      expiresAt: Number.MAX_SAFE_INTEGER,
      via: 'service',
    };
  }

  return {
    async verify(authorization, resource, requestUrl, { ip, needed = [] }) {
      const accepts = resource.auth ?? DEFAULT_AUTH;
      const presented = bearerToken(authorization);
      // No credential or a malformed header: the OAuth verifier's challenge (RFC 6750 §3.1: no error code).
      if (!presented) return deps.oauth.verify(authorization, resource, requestUrl, needed);
      // A Gatehouse access token where no other kind could match: straight to the OAuth verifier.
      if (accepts.includes('oauth') && !accepts.includes('service') && !presented.startsWith(PAT_PREFIX))
        return deps.oauth.verify(authorization, resource, requestUrl, needed);

      const metadata = protectedResourceMetadataUrl(resource);
      const invalid = (description: string) => refusal(metadata, 401, 'invalid_token', description);
      let token: VerifiedToken | undefined;
      if (accepts.includes('service')) token = await serviceIdentity(presented, resource);
      if (!token && presented.startsWith(PAT_PREFIX)) {
        if (!accepts.includes('pat'))
          return invalid('personal access tokens are not accepted at this endpoint');
        const pat = await findPat(deps.pats, presented);
        if (!pat) return invalid('the personal access token is invalid, expired or revoked');
        if (!audienceCovers(pat.resource, requestUrl))
          return invalid('the personal access token was created for another endpoint');
        token = {
          userId: pat.userId,
          clientId: `pat:${pat.id}`,
          scopes: pat.scopes,
          resource: pat.resource,
          grantId: pat.id,
          expiresAt: pat.expiresAt ?? Number.MAX_SAFE_INTEGER,
          via: 'pat',
        };
      }
      if (!token) {
        if (accepts.includes('oauth')) return deps.oauth.verify(authorization, resource, requestUrl, needed);
        return invalid('this endpoint accepts only personal access tokens or the service token');
      }
      if (!hasScopes(token.scopes, needed))
        return refusal(
          metadata,
          403,
          'insufficient_scope',
          `this operation needs: ${needed.join(' ')}`,
          needed,
        );
      if (token.via === 'service') {
        // Admin-equivalent calls: every use is audited and logged as a warning.
        deps.logger.warn(
          { event: 'service.used', service: deps.service.name, resource: resource.uri },
          'service token used',
        );
        await deps.audit.record({
          event: 'service.used',
          userId: token.userId,
          clientId: token.clientId,
          resource: resource.uri,
          ip,
        });
      }
      return { ok: true, token };
    },
    async isGatehouseCredential(presented) {
      return hasCredentialPrefix(presented) || (await serviceIdentityMatches(presented));
    },
  };
}
