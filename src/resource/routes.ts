import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { isLoopbackHost } from '../config';
import type { AppEnv, RateLimiter } from '../http';
import { protectedResourceMetadata } from '../oauth/metadata';
import type { ProtectedResource } from '../oauth/resource';
import type { BearerAuthenticator } from './authenticate';
import type { VerifiedToken } from './verify';

/** A protected endpoint's handler: it receives the request and the verified token. */
export type ProtectedHandler = (request: Request, token: VerifiedToken) => Promise<Response>;

/** RFC 9728 metadata (root and path-scoped) and the bearer gate in front of each protected endpoint. */
export function resourceRoutes(
  issuer: string,
  resources: ReadonlyArray<{ resource: ProtectedResource; handler: ProtectedHandler }>,
  authenticator: BearerAuthenticator,
  allowedOrigins: readonly string[] = [],
  /** the per-identity limit (user, PAT owner or service); absent when rate limiting is off */
  userLimiter?: RateLimiter,
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
  app.use('/.well-known/oauth-protected-resource*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'] }));
  const first = resources[0];
  if (first) {
    app.get('/.well-known/oauth-protected-resource', (c) =>
      c.json(protectedResourceMetadata(first.resource, issuer)),
    );
  }
  for (const { resource, handler } of resources) {
    app.get(`/.well-known/oauth-protected-resource${resource.path}`, (c) =>
      c.json(protectedResourceMetadata(resource, issuer)),
    );
    const gate = async (c: Context<AppEnv>) => {
      // MCP Streamable HTTP: validate Origin on every request (DNS rebinding); a foreign one is a 403.
      const origin = c.req.header('origin');
      if (origin !== undefined && !allowed(origin)) {
        return c.json(
          { error: 'forbidden_origin', error_description: `requests from origin ${origin} are not allowed` },
          403,
        );
      }
      // The audience is checked against the public URL (issuer origin + path), not the Host header.
      const publicUrl = new URL(c.req.path, resource.uri).toString();
      const result = await authenticator.verify(c.req.header('authorization'), resource, publicUrl, {
        ip: c.get('clientIp'),
      });
      if (!result.ok) {
        c.header('WWW-Authenticate', result.challenge);
        return c.json(
          { error: result.error || 'unauthorized', error_description: result.description },
          result.status,
        );
      }
      if (userLimiter) {
        const decision = await userLimiter.hit(`rl:user:${result.token.userId}`);
        if (!decision.allowed) {
          c.header('Retry-After', String(decision.retryAfterSeconds));
          return c.json(
            {
              error: 'rate_limited',
              error_description: `too many requests for this account; retry in ${decision.retryAfterSeconds} s`,
            },
            429,
          );
        }
      }
      return handler(c.req.raw, result.token);
    };
    app.all(resource.path, gate);
    app.all(`${resource.path}/*`, gate);
  }
  return app;
}
