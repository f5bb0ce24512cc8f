import { constantTimeEqual, sha256 } from '../crypto';
import { protectedResourceMetadataUrl } from '../oauth/metadata';
import { audienceCovers, type ProtectedResource } from '../oauth/resource';
import { hasScopes } from '../oauth/scope';
import type { AuditLog, Logger } from '../telemetry';
import { bearerChallenge } from './challenge';
import { findPat, PAT_PREFIX, type PatDeps } from './pat';
import type { AccessTokenVerifier, Verification, VerifiedToken } from './verify';

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

  const refuse = (
    resource: ProtectedResource,
    status: 401 | 403,
    error: 'invalid_token' | 'insufficient_scope',
    description: string,
    scope?: readonly string[],
  ): Verification => ({
    ok: false,
    status,
    error,
    description,
    challenge: bearerChallenge({
      resourceMetadata: protectedResourceMetadataUrl(resource),
      error,
      description,
      ...(scope ? { scope } : {}),
    }),
  });

  return {
    async verify(authorization, resource, requestUrl, { ip, needed = [] }) {
      const accepts = resource.auth ?? DEFAULT_AUTH;
      const presented = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization?.trim() ?? '')?.[1];
      if (!presented) return deps.oauth.verify(authorization, resource, requestUrl, needed);

      if (serviceHash && accepts.includes('service')) {
        // Constant time: compare equal-length digests, never the raw strings.
        if (constantTimeEqual(await sha256(presented), await serviceHash)) {
          const granted = resource.scopes
            .map((scope) => scope.name)
            .filter((name) => deps.service.scopes.length === 0 || deps.service.scopes.includes(name));
          if (!hasScopes(granted, needed))
            return refuse(
              resource,
              403,
              'insufficient_scope',
              `this operation needs: ${needed.join(' ')}`,
              needed,
            );
          const token: VerifiedToken = {
            userId: `service:${deps.service.name}`,
            clientId: 'service-token',
            scopes: granted,
            resource: resource.uri,
            grantId: 'service-token',
            expiresAt: Number.MAX_SAFE_INTEGER,
            via: 'service',
          };
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
          return { ok: true, token };
        }
      }

      if (presented.startsWith(PAT_PREFIX)) {
        if (!accepts.includes('pat'))
          return refuse(
            resource,
            401,
            'invalid_token',
            'personal access tokens are not accepted at this endpoint',
          );
        const pat = await findPat(deps.pats, presented);
        if (!pat)
          return refuse(
            resource,
            401,
            'invalid_token',
            'the personal access token is invalid, expired or revoked',
          );
        if (!audienceCovers(pat.resource, requestUrl))
          return refuse(
            resource,
            401,
            'invalid_token',
            'the personal access token was created for another endpoint',
          );
        if (!hasScopes(pat.scopes, needed))
          return refuse(
            resource,
            403,
            'insufficient_scope',
            `this operation needs: ${needed.join(' ')}`,
            needed,
          );
        return {
          ok: true,
          token: {
            userId: pat.userId,
            clientId: `pat:${pat.id}`,
            scopes: pat.scopes,
            resource: pat.resource,
            grantId: pat.id,
            expiresAt: pat.expiresAt ?? Number.MAX_SAFE_INTEGER,
            via: 'pat',
          },
        };
      }

      if (!accepts.includes('oauth'))
        return refuse(
          resource,
          401,
          'invalid_token',
          'this endpoint accepts only personal access tokens or the service token',
        );
      return deps.oauth.verify(authorization, resource, requestUrl, needed);
    },
  };
}
