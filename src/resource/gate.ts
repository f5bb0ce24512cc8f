import { isLoopbackHost } from '../config';
import { sha256 } from '../crypto';
import type { Endpoint } from '../gateway/endpoints';
import type { RateLimiter } from '../http';
import { type PlainAnswer, type PlainRequest, plainJson, rateLimited } from '../http/plain';
import type { BearerAuthenticator } from './authenticate';
import { bearerToken } from './challenge';

/** One protected endpoint's front door, whatever carries the request (Hono in process, or the Node front). */
export interface EndpointGate {
  path: string;
  /** Origin check, the caller's credential, the per-caller limit, then the endpoint itself. */
  serve(request: PlainRequest, ip: string): Promise<PlainAnswer>;
}

export interface GateOptions {
  issuer: string;
  authenticator: BearerAuthenticator;
  allowedOrigins?: readonly string[];
  /** the per-identity limit (user, PAT owner, service, BYOK key); absent when rate limiting is off */
  limiter?: RateLimiter | undefined;
}

export function createEndpointGates(endpoints: readonly Endpoint[], options: GateOptions): EndpointGate[] {
  const { issuer, authenticator, limiter } = options;
  const origins = new Set([
    new URL(issuer).origin,
    ...(options.allowedOrigins ?? []).map((origin) => new URL(origin).origin),
  ]);
  // On a loopback issuer (development), any loopback page may call; a rebinding attacker's page cannot
  // present a loopback Origin.
  const loopbackIssuer = isLoopbackHost(new URL(issuer).hostname);
  const allowed = (origin: string) => {
    if (origins.has(origin)) return true;
    try {
      return loopbackIssuer && isLoopbackHost(new URL(origin).hostname);
    } catch {
      return false;
    }
  };
  /** MCP Streamable HTTP: validate Origin on every request (DNS rebinding); a foreign one is a 403. */
  const foreignOrigin = (request: PlainRequest) => {
    const origin = request.header('origin');
    if (origin === undefined || allowed(origin)) return undefined;
    return plainJson(403, {
      error: 'forbidden_origin',
      error_description: `requests from origin ${origin} are not allowed`,
    });
  };
  const limited = async (key: string, who: string) => {
    const decision = limiter ? await limiter.hit(key) : { allowed: true, retryAfterSeconds: 0 };
    return decision.allowed ? undefined : rateLimited(decision.retryAfterSeconds, who);
  };

  return endpoints.map((endpoint): EndpointGate => {
    if (endpoint.kind === 'token') {
      const { resource } = endpoint;
      return {
        path: endpoint.config.path,
        async serve(request, ip) {
          const refused = foreignOrigin(request);
          if (refused) return refused;
          // The audience is checked against the public URL (issuer origin + path), not the Host header.
          const publicUrl = new URL(request.path, resource.uri).toString();
          const result = await authenticator.verify(request.header('authorization'), resource, publicUrl, {
            ip,
            needed: endpoint.config.requiredScopes,
          });
          if (!result.ok)
            return plainJson(
              result.status,
              { error: result.error || 'unauthorized', error_description: result.description },
              { 'www-authenticate': result.challenge },
            );
          return (
            (await limited(`rl:user:${result.token.userId}`, 'account')) ??
            endpoint.serve(request, result.token)
          );
        },
      };
    }
    const realm = endpoint.config.name.replace(/["\\]/g, '');
    return {
      path: endpoint.config.path,
      async serve(request) {
        const refused = foreignOrigin(request);
        if (refused) return refused;
        const key = bearerToken(request.header('authorization'));
        // No Gatehouse authorization server stands behind a BYOK endpoint: the challenge has no metadata.
        if (!key)
          return plainJson(
            401,
            {
              error: 'invalid_request',
              error_description: 'send your API key for this server as "Authorization: Bearer <key>"',
            },
            { 'www-authenticate': `Bearer realm="${realm}"` },
          );
        // A Gatehouse token sent here would reach a third party that could replay it at Gatehouse.
        if (await authenticator.isGatehouseCredential(key))
          return plainJson(
            401,
            {
              error: 'invalid_token',
              error_description:
                'this endpoint takes your own API key for the upstream server; Gatehouse tokens are never forwarded',
            },
            { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token"` },
          );
        // Per key (by hash: the key itself is never kept), on top of the per-IP limit every route has.
        return (await limited(`rl:key:${await sha256(key)}`, 'key')) ?? endpoint.serve(request, key);
      },
    };
  });
}
