import type { MiddlewareHandler } from 'hono';

/**
 * CORS for public, credential-free endpoints (metadata, token, revocation, registration) that browser-based
 * MCP clients call from any origin. No credentials, so `*` is safe. The header is added after the handler:
 * hono/cors sets it on the response before the handler runs, which makes Hono rebuild the handler's
 * response around a streamed copy of its body (a large share of the token endpoint's cost).
 */
export function publicCors(methods: readonly string[], maxAgeSeconds?: number): MiddlewareHandler {
  const allowMethods = methods.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') {
      const headers: Record<string, string> = {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': allowMethods,
      };
      if (maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(maxAgeSeconds);
      const requested = c.req.header('access-control-request-headers');
      if (requested) {
        headers['access-control-allow-headers'] = requested;
        headers.vary = 'Access-Control-Request-Headers';
      }
      return c.body(null, 204, headers);
    }
    await next();
    c.res.headers.set('access-control-allow-origin', '*');
  };
}
