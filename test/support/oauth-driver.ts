import { randomId, sha256 } from '../../src/crypto';

/** A minimal cookie jar for driving Gatehouse's pages with fetch (a form-replaying browser). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (!pair || at < 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export async function pkcePair() {
  const verifier = randomId(32);
  return { verifier, challenge: await sha256(verifier) };
}

export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no csrf field in page: ${html.slice(0, 300)}`);
  return match[1];
}

export function authzFrom(location: string): string {
  const authz = new URL(location, 'http://x').searchParams.get('authz');
  if (!authz) throw new Error(`no authz in ${location}`);
  return authz;
}

export interface Browser {
  jar: CookieJar;
  get(url: string): Promise<Response>;
  post(url: string, form: Record<string, string | string[]>): Promise<Response>;
}

export function createBrowser(base: string, fetcher: typeof fetch = fetch): Browser {
  const jar = new CookieJar();
  const send = async (url: string, init: RequestInit) => {
    const response = await fetcher(new URL(url, base), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    return response;
  };
  return {
    jar,
    get: (url) => send(url, { method: 'GET' }),
    post: (url, form) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
      return send(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    },
  };
}

/** Signs in through the development login. */
export async function devLogin(browser: Browser, email = 'alice@example.com'): Promise<void> {
  const page = await browser.get('/login');
  const done = await browser.post('/login', { csrf: csrfFrom(await page.text()), email, name: 'Alice' });
  if (done.status !== 303) throw new Error(`login failed: ${done.status} ${await done.text()}`);
}

/**
 * Runs an authorization request through login and consent, as a person would, and returns the URL the
 * browser is finally sent to (the client's redirect URI with code or error).
 */
export async function authorizeThroughPages(
  browser: Browser,
  authorizeUrl: string,
  options: { email?: string; decision?: 'approve' | 'deny'; untick?: string[] } = {},
): Promise<URL> {
  const start = await browser.get(authorizeUrl);
  if (start.status !== 302) throw new Error(`authorize answered ${start.status}: ${await start.text()}`);
  let location = start.headers.get('location') ?? '';
  if (location.startsWith('/login')) {
    const page = await browser.get(location);
    const loggedIn = await browser.post('/login', {
      csrf: csrfFrom(await page.text()),
      authz: authzFrom(location),
      email: options.email ?? 'alice@example.com',
      name: 'Alice',
    });
    location = loggedIn.headers.get('location') ?? '';
  }
  if (!location.startsWith('/oauth/consent')) return new URL(location);
  const consent = await browser.get(location);
  const html = await consent.text();
  const scopes = [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  const decided = await browser.post('/oauth/consent', {
    authz: authzFrom(location),
    csrf: csrfFrom(html),
    decision: options.decision ?? 'approve',
    scope: scopes.filter((s) => !options.untick?.includes(s)),
  });
  return new URL(decided.headers.get('location') ?? '');
}

export function authorizeUrl(base: string, params: Record<string, string | undefined>): string {
  const url = new URL('/oauth/authorize', base);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.pathname + url.search;
}

export async function tokenRequest(
  base: string,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== undefined) body.set(name, value);
  const response = await fetch(new URL('/oauth/token', base), {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

/**
 * A public client's whole authorization code flow through the dev login and consent pages (PKCE S256),
 * then the code exchange: the access token for `resource` (default: the first endpoint) with `scope`.
 */
export async function accessTokenThroughPages(
  base: string,
  client: { clientId: string; redirectUri: string },
  request: { scope?: string; resource?: string; browser?: Browser } = {},
): Promise<string> {
  const tokens = await tokensThroughPages(base, client, request);
  if (!tokens.body.access_token) throw new Error(`token exchange failed: ${JSON.stringify(tokens.body)}`);
  return tokens.body.access_token;
}

/** The same flow, answering with the token endpoint's whole answer (status and body). */
export async function tokensThroughPages(
  base: string,
  client: { clientId: string; redirectUri: string },
  request: { scope?: string; resource?: string; browser?: Browser } = {},
) {
  const pkce = await pkcePair();
  const landed = await authorizeThroughPages(
    request.browser ?? createBrowser(base),
    authorizeUrl(base, {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: client.redirectUri,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      scope: request.scope,
      resource: request.resource,
    }),
  );
  return tokenRequest(base, {
    grant_type: 'authorization_code',
    code: landed.searchParams.get('code') ?? '',
    code_verifier: pkce.verifier,
    redirect_uri: client.redirectUri,
    client_id: client.clientId,
    resource: request.resource,
  });
}
