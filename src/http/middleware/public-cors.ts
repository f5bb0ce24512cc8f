import type { MiddlewareHandler } from 'hono';
import type { PlainAnswer, PlainRequest } from '../plain';

/** The answer to a CORS preflight (Fetch §3.2.2) for a public endpoint. */
function preflightHeaders(
  allowMethods: string,
  maxAgeSeconds: number | undefined,
  requested: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': allowMethods,
  };
  if (maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(maxAgeSeconds);
  if (requested) {
    headers['access-control-allow-headers'] = requested;
    headers.vary = 'Access-Control-Request-Headers';
  }
  return headers;
}

/**
 * CORS for public, credential-free endpoints (metadata, token, revocation, registration) that browser-based
 * MCP clients call from any origin. No credentials, so `*` is safe. The header is added after the handler:
 * hono/cors sets it on the response before the handler runs, which makes Hono rebuild the handler's
 * response around a streamed copy of its body (a large share of the token endpoint's cost).
 */
export function publicCors(methods: readonly string[], maxAgeSeconds?: number): MiddlewareHandler {
  const allowMethods = methods.join(',');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS')
      return c.body(
        null,
        204,
        preflightHeaders(allowMethods, maxAgeSeconds, c.req.header('access-control-request-headers')),
      );
    await next();
    c.res.headers.set('access-control-allow-origin', '*');
  };
}

/** The same CORS around a handler of plain values (a route of the Node front). */
export function withPublicCors<Rest extends unknown[]>(
  methods: readonly string[],
  maxAgeSeconds: number | undefined,
  serve: (request: PlainRequest, ...rest: Rest) => Promise<PlainAnswer>,
): (request: PlainRequest, ...rest: Rest) => Promise<PlainAnswer> {
  const allowMethods = methods.join(',');
  return async (request, ...rest) => {
    if (request.method === 'OPTIONS')
      return {
        status: 204,
        headers: preflightHeaders(
          allowMethods,
          maxAgeSeconds,
          request.header('access-control-request-headers'),
        ),
      };
    const answer = await serve(request, ...rest);
    return { ...answer, headers: { ...answer.headers, 'access-control-allow-origin': '*' } };
  };
}
