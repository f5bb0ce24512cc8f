import { type Context, Hono } from 'hono';
import { isLoopbackHost } from '../config';
import { sha256 } from '../crypto';
import type { Endpoint } from '../gateway/endpoints';
import { type AppEnv, publicCors, type RateLimiter } from '../http';
import { protectedResourceMetadata } from '../oauth/metadata';
import type { BearerAuthenticator } from './authenticate';
import { bearerToken } from './challenge';

/** RFC 9728 metadata (root and path-scoped) and the credential gate in front of each protected endpoint. */
export function resourceRoutes(
  issuer: string,
  endpoints: readonly Endpoint[],
  authenticator: BearerAuthenticator,
  allowedOrigins: readonly string[] = [],
  /** the per-identity limit (user, PAT owner, service, BYOK key); absent when rate limiting is off */
  limiter?: RateLimiter,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const origins = new Set([
    new URL(issuer).origin,
    ...allowedOrigins.map((origin) => new URL(origin).origin),
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
  const foreignOrigin = (c: Context<AppEnv>) => {
    const origin = c.req.header('origin');
    if (origin === undefined || allowed(origin)) return undefined;
    return c.json(
      { error: 'forbidden_origin', error_description: `requests from origin ${origin} are not allowed` },
      403,
    );
  };
  const limited = async (c: Context<AppEnv>, key: string, who: string) => {
    const decision = limiter ? await limiter.hit(key) : { allowed: true, retryAfterSeconds: 0 };
    if (decision.allowed) return undefined;
    c.header('Retry-After', String(decision.retryAfterSeconds));
    return c.json(
      {
        error: 'rate_limited',
        error_description: `too many requests for this ${who}; retry in ${decision.retryAfterSeconds} s`,
      },
      429,
    );
  };

  app.use('/.well-known/oauth-protected-resource*', publicCors(['GET', 'OPTIONS']));
  const tokenEndpoints = endpoints.filter((endpoint) => endpoint.kind === 'token');
  const first = tokenEndpoints[0];
  if (first) {
    app.get('/.well-known/oauth-protected-resource', (c) =>
      c.json(protectedResourceMetadata(first.resource, issuer)),
    );
  }
  for (const endpoint of endpoints) {
    let gate: (c: Context<AppEnv>) => Promise<Response>;
    if (endpoint.kind === 'token') {
      const { resource } = endpoint;
      app.get(`/.well-known/oauth-protected-resource${resource.path}`, (c) =>
        c.json(protectedResourceMetadata(resource, issuer)),
      );
      gate = async (c) => {
        const refused = foreignOrigin(c);
        if (refused) return refused;
        // The audience is checked against the public URL (issuer origin + path), not the Host header.
        const publicUrl = new URL(c.req.path, resource.uri).toString();
        const result = await authenticator.verify(c.req.header('authorization'), resource, publicUrl, {
          ip: c.get('clientIp'),
          needed: endpoint.config.requiredScopes,
        });
        if (!result.ok) {
          c.header('WWW-Authenticate', result.challenge);
          return c.json(
            { error: result.error || 'unauthorized', error_description: result.description },
            result.status,
          );
        }
        return (
          (await limited(c, `rl:user:${result.token.userId}`, 'account')) ??
          endpoint.serve(c.req.raw, result.token)
        );
      };
    } else {
      const realm = endpoint.config.name.replace(/["\\]/g, '');
      gate = async (c) => {
        const refused = foreignOrigin(c);
        if (refused) return refused;
        const key = bearerToken(c.req.header('authorization'));
        // No Gatehouse authorization server stands behind a BYOK endpoint: the challenge has no metadata.
        if (!key) {
          c.header('WWW-Authenticate', `Bearer realm="${realm}"`);
          return c.json(
            {
              error: 'invalid_request',
              error_description: 'send your API key for this server as "Authorization: Bearer <key>"',
            },
            401,
          );
        }
        // A Gatehouse token sent here would reach a third party that could replay it at Gatehouse.
        if (await authenticator.isGatehouseCredential(key)) {
          c.header('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_token"`);
          return c.json(
            {
              error: 'invalid_token',
              error_description:
                'this endpoint takes your own API key for the upstream server; Gatehouse tokens are never forwarded',
            },
            401,
          );
        }
        // Per key (by hash: the key itself is never kept), on top of the per-IP limit every route has.
        return (await limited(c, `rl:key:${await sha256(key)}`, 'key')) ?? endpoint.serve(c.req.raw, key);
      };
    }
    // The MCP endpoint is one URL (MCP Streamable HTTP); paths below it are not forwarded.
    app.all(endpoint.config.path, gate);
  }
  return app;
}
