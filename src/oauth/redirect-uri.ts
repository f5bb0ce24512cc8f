import { hasControlCharacters } from '../lib/text';

/**
 * Redirect URI rules. One matching function serves the authorization and the token endpoint
 * (OAuth 2.1 §4.1.3: the token request's redirect_uri must be the one used at authorization).
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackRedirect(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Which private-use URI schemes (RFC 8252 §7.1) public clients may register: `any` well-formed scheme
 * (Cursor registers `cursor://…`: scheme names are not owned, so the reverse-DNS rule of §7.1 buys no
 * security), only `reverse-dns` ones (`com.example.app:/cb`), or `none`.
 */
export type PrivateUseSchemePolicy = 'any' | 'reverse-dns' | 'none';

/** Schemes that run code, read local files or are web schemes in disguise: never a redirect target. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript',
  'vbscript',
  'data',
  'file',
  'blob',
  'about',
  'filesystem',
  'view-source',
  'ftp',
  'ws',
  'wss',
  'chrome',
  'chrome-extension',
  'moz-extension',
]);

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
/** How many redirect URIs a client may register, and how long each (a registration is anonymous). */
export const MAX_REDIRECT_URIS = 20;
export const MAX_REDIRECT_URI_LENGTH = 2000;

/** A private-use scheme, not one of the web's schemes nor a look-alike of one (`https-x:`, `http.evil:`). */
function privateUseSchemeCheck(url: URL, policy: PrivateUseSchemePolicy): RedirectUriCheck {
  const scheme = url.protocol.slice(0, -1);
  if (!SCHEME.test(scheme) || FORBIDDEN_SCHEMES.has(scheme) || /^https?./.test(scheme))
    return { ok: false, reason: `the ${scheme}: scheme is not allowed` };
  if (policy === 'none')
    return { ok: false, reason: 'private-use URI schemes are not allowed on this server' };
  if (policy === 'reverse-dns' && !scheme.includes('.'))
    return {
      ok: false,
      reason: 'private-use URI schemes must be reverse-DNS names here, e.g. com.example.app:/callback',
    };
  return { ok: true };
}

export type RedirectUriCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a URI may be registered (DCR, CIMD, config): https, loopback http (RFC 8252 §7.3) or a
 * private-use scheme (RFC 8252 §7.1, per the operator's policy); absolute, no fragment (RFC 6749 §3.1.2),
 * no userinfo, at most MAX_REDIRECT_URI_LENGTH characters.
 */
export function checkRedirectUriForRegistration(
  uri: string,
  privateUse: PrivateUseSchemePolicy = 'any',
): RedirectUriCheck {
  if (uri.length > MAX_REDIRECT_URI_LENGTH)
    return { ok: false, reason: `is longer than ${MAX_REDIRECT_URI_LENGTH} characters` };
  // Control characters and spaces are stripped or escaped by URL parsing: refuse them rather than
  // register a URI that differs from what is stored.
  if (hasControlCharacters(uri, { spaces: true }))
    return { ok: false, reason: 'contains spaces or control characters' };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: 'is not an absolute URI' };
  }
  if (url.hash || uri.includes('#'))
    return { ok: false, reason: 'must not contain a fragment (RFC 6749 §3.1.2)' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain userinfo' };
  if (url.protocol === 'https:') return { ok: true };
  if (url.protocol === 'http:') {
    return isLoopbackRedirect(url)
      ? { ok: true }
      : { ok: false, reason: 'http is allowed only for loopback redirects (RFC 8252 §7.3)' };
  }
  return privateUseSchemeCheck(url, privateUse);
}

/** Whether the code goes to a program on the user's machine (loopback or private-use scheme redirect). */
export function isNativeRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return isLoopbackRedirect(url) || (url.protocol !== 'https:' && url.protocol !== 'http:');
  } catch {
    return false;
  }
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
