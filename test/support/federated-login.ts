import { type Browser, csrfFrom } from './oauth-driver';

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
    url = new URL(response.url || target, url);
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
