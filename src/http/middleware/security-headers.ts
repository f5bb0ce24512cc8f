import type { MiddlewareHandler } from 'hono';

/**
 * Headers on every response. CSP allows only our own origin and forbids framing (clickjacking on the
 * consent page); no Referer leaves the site, so codes and state in URLs never leak through it.
 * No `form-action`: the consent form's answer is a redirect to the client's (validated) redirect URI on
 * another origin, which browsers block under `form-action 'self'`.
 * HSTS only when the issuer is https: on plain-http loopback it would be ignored anyway.
 * One list for the Hono app and the Node front of the MCP endpoints (src/http/node-front.ts).
 */
export function securityHeaderList(issuer: string): ReadonlyArray<readonly [string, string]> {
  const https = new URL(issuer).protocol === 'https:';
  return [
    [
      'content-security-policy',
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ],
    ['cross-origin-opener-policy', 'same-origin'],
    ['referrer-policy', 'no-referrer'],
    ...(https ? ([['strict-transport-security', 'max-age=63072000; includeSubDomains']] as const) : []),
    ['x-content-type-options', 'nosniff'],
    ['x-dns-prefetch-control', 'off'],
    ['x-frame-options', 'DENY'],
    ['x-permitted-cross-domain-policies', 'none'],
  ];
}

/**
 * Sets the list before the handler runs, where Hono carries it onto the responses it builds (c.json,
 * c.html…) at no cost; a Response the handler built itself does not get those, and gets them after.
 */
export function securityHeaders(issuer: string): MiddlewareHandler {
  const list = securityHeaderList(issuer);
  return async (c, next) => {
    for (const [name, value] of list) c.header(name, value);
    await next();
    const headers = c.res.headers;
    if (!headers.has(list[0]?.[0] ?? '')) for (const [name, value] of list) headers.set(name, value);
  };
}
