import { authorizeUrl, type Browser, csrfFrom, pkcePair, tokenRequest } from './oauth-driver';

/**
 * Follows redirects across Gatehouse and the IdP like a browser, until a page that is not a redirect or a URL
 * `stop` accepts. Returns the last response and where it came from.
 */
export async function follow(
  browser: Browser,
  start: string,
  stop: (url: URL) => boolean = () => false,
): Promise<{ response: Response; url: URL }> {
  let url = new URL(start, 'http://placeholder.invalid');
  let target = start;
  for (let hop = 0; hop < 20; hop++) {
    const response = await browser.get(target);
    // The request URL, not response.url: a rewriting fetch reports its loopback target there.
    url = /^https?:\/\//.test(target) ? new URL(target) : new URL(response.url);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { response, url };
    const next = new URL(location, url);
    if (stop(next)) return { response, url: next };
    target = next.toString();
    url = next;
  }
  throw new Error(`too many redirects from ${start}`);
}

/** Signs in at Gatehouse through one IdP (the chooser's link for `idp`); returns the final response. */
export async function federatedLogin(browser: Browser, idp: string, authz?: string) {
  return follow(browser, `/login/${idp}${authz ? `?authz=${authz}` : ''}`);
}

/** Stops at Gatehouse's callback from the IdP and returns its URL (to replay it, or call it elsewhere). */
export async function callbackFromIdp(browser: Browser, idp: string): Promise<URL> {
  const { url } = await follow(
    browser,
    `/login/${idp}`,
    (next) => next.pathname === `/login/${idp}/callback`,
  );
  if (url.pathname !== `/login/${idp}/callback`) throw new Error(`did not reach the callback: ${url}`);
  return url;
}

/** Approves the consent page at `location` with every scope ticked; returns the client's redirect URL. */
export async function approveConsent(browser: Browser, location: string): Promise<URL> {
  const consent = await browser.get(location);
  const html = await consent.text();
  const scopes = [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  const authz = new URL(location, 'http://x').searchParams.get('authz') ?? '';
  const decided = await browser.post('/oauth/consent', {
    authz,
    csrf: csrfFrom(html),
    decision: 'approve',
    scope: scopes,
  });
  return new URL(decided.headers.get('location') ?? '');
}

/**
 * An MCP client's whole authorization through federated login: authorize, sign in at the IdP (the current
 * `nextLogin` there), approve consent, exchange the code. Returns the browser and the client's tokens.
 */
export async function authorizeThroughIdp(
  base: string,
  browser: Browser,
  clientId: string,
  redirectUri: string,
) {
  const pkce = await pkcePair();
  const start = authorizeUrl(base, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state: 's',
  });
  const { url } = await follow(browser, start, (next) => next.pathname === '/oauth/consent');
  if (url.pathname !== '/oauth/consent') throw new Error(`login did not reach consent: ${url}`);
  const landed = await approveConsent(browser, url.pathname + url.search);
  const tokens = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: landed.searchParams.get('code') ?? '',
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: pkce.verifier,
  });
  if (tokens.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(tokens.body)}`);
  return { access: tokens.body.access_token ?? '', refresh: tokens.body.refresh_token ?? '' };
}
