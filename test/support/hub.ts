import { authorizeThroughPages, type Browser, createBrowser } from './oauth-driver';
import { createPatThroughPage } from './pat';

/** A JSON request with a cookie browser's session (and any extra headers). */
export async function json(
  browser: Browser | undefined,
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(new URL(path, base), {
    method,
    redirect: 'manual',
    headers: {
      ...(browser ? { cookie: browser.jar.header() } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Starts a hub connect flow for the signed-in `browser` through the JSON API: the upstream's authorization URL. */
export async function startConnect(
  browser: Browser,
  hubUrl: string,
  input: Record<string, unknown>,
): Promise<string> {
  const { body } = await json(browser, hubUrl, 'GET', '/api/hub/connections');
  const started = await json(browser, hubUrl, 'POST', '/api/hub/connections', input, {
    'x-csrf-token': String(body.csrf),
  });
  if (started.status !== 201)
    throw new Error(`connect refused: ${started.status} ${JSON.stringify(started.body)}`);
  return String(started.body.authorization_url);
}

/**
 * Connects a catalog entry whose upstream is another Gatehouse: sign-in and consent there (as `email`),
 * then the callback in the hub browser. Resolves with the callback's status (303 when connected).
 */
export async function connectOverHttp(
  browser: Browser,
  hubUrl: string,
  slug: string,
  upstreamUrl: string,
  email: string,
) {
  const callback = await authorizeThroughPages(
    createBrowser(upstreamUrl),
    await startConnect(browser, hubUrl, { slug }),
    { email },
  );
  return (await browser.get(`${callback.pathname}${callback.search}`)).status;
}

/** A personal access token for `/hub/mcp` (scope hub:tools) of the signed-in `browser`'s user. */
export async function createHubPat(browser: Browser, name = 'hub agent'): Promise<string> {
  const created = await createPatThroughPage(browser, {
    name,
    resource: '/hub/mcp',
    scope: 'hub:tools',
    expires_days: '1',
  });
  if (!created.token) throw new Error(`no hub token: ${created.status}`);
  return created.token;
}
