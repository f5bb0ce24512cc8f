import { secureHeaders } from 'hono/secure-headers';

/**
 * Headers on every response. CSP allows only our own origin and forbids framing (clickjacking on the
 * consent page); no Referer leaves the site, so codes and state in URLs never leak through it.
 * No `form-action`: the consent form's answer is a redirect to the client's (validated) redirect URI on
 * another origin, which browsers block under `form-action 'self'`.
 * HSTS only when the issuer is https: on plain-http loopback it would be ignored anyway.
 */
export function securityHeaders(issuer: string) {
  const https = new URL(issuer).protocol === 'https:';
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    strictTransportSecurity: https ? 'max-age=63072000; includeSubDomains' : false,
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: 'nosniff',
    xFrameOptions: 'DENY',
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: 'same-origin',
    originAgentCluster: false,
    xDnsPrefetchControl: 'off',
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: 'none',
    xXssProtection: false,
  });
}
