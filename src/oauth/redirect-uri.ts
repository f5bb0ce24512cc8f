/**
 * Redirect URI rules. One matching function serves the authorization and the token endpoint
 * (OAuth 2.1 §4.1.3: the token request's redirect_uri must be the one used at authorization).
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackRedirect(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** A private-use URI scheme (RFC 8252 §7.1): reverse-DNS style, e.g. com.example.app:/callback. */
function isPrivateUseScheme(url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  return scheme.includes('.') && /^[a-z][a-z0-9+.-]*$/.test(scheme);
}

const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);

export type RedirectUriCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a URI may be registered (DCR, CIMD, config): https, loopback http (RFC 8252 §7.3) or a
 * private-use scheme (RFC 8252 §7.1); absolute, no fragment (RFC 6749 §3.1.2), no userinfo.
 */
export function checkRedirectUriForRegistration(uri: string): RedirectUriCheck {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: 'is not an absolute URI' };
  }
  if (url.hash || uri.includes('#'))
    return { ok: false, reason: 'must not contain a fragment (RFC 6749 §3.1.2)' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain userinfo' };
  if (FORBIDDEN_SCHEMES.has(url.protocol))
    return { ok: false, reason: `the ${url.protocol} scheme is not allowed` };
  if (url.protocol === 'https:') return { ok: true };
  if (url.protocol === 'http:') {
    return isLoopbackRedirect(url)
      ? { ok: true }
      : { ok: false, reason: 'http is allowed only for loopback redirects (RFC 8252 §7.3)' };
  }
  if (isPrivateUseScheme(url)) return { ok: true };
  return { ok: false, reason: 'must be https, loopback http, or a reverse-DNS private-use scheme' };
}

/**
 * Whether `requested` matches one of `registered`. Exact string comparison (OAuth 2.1 §2.3.1), except
 * that for a loopback redirect the port is ignored (RFC 8252 §7.3: native apps pick a port at run time).
 * Scheme, host, path and query must still be identical; `localhost` never matches `127.0.0.1`.
 */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let asked: URL;
  try {
    asked = new URL(requested);
  } catch {
    return false;
  }
  if (!isLoopbackRedirect(asked) || asked.username || asked.password || requested.includes('#')) return false;
  return registered.some((candidate) => {
    let known: URL;
    try {
      known = new URL(candidate);
    } catch {
      return false;
    }
    return (
      isLoopbackRedirect(known) &&
      known.hostname === asked.hostname &&
      known.pathname === asked.pathname &&
      known.search === asked.search
    );
  });
}
