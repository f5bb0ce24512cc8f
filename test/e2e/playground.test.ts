import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { type Browser, createBrowser, csrfFrom, devLogin } from '../support/oauth-driver';

/** Follows redirects inside Gatehouse (the form-replaying browser does not) and returns the last answer. */
async function follow(browser: Browser, response: Response): Promise<Response> {
  let current = response;
  for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops++)
    current = await browser.get(current.headers.get('location') ?? '');
  return current;
}

/** Approves the consent page if that is where the authorization request landed. */
async function approve(browser: Browser, response: Response): Promise<Response> {
  const location = response.headers.get('location') ?? '';
  if (!location.startsWith('/oauth/consent')) return response;
  const html = await (await browser.get(location)).text();
  return browser.post('/oauth/consent', {
    authz: new URL(location, 'http://x').searchParams.get('authz') ?? '',
    csrf: csrfFrom(html),
    decision: 'approve',
    scope: [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1] ?? ''),
  });
}

describe('playground (first-party OAuth client over CIMD)', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.close();
  });

  const documentUrl = () => `${gh.url}/.well-known/oauth-client/playground.json`;

  /** Signs in, connects /mcp (the authorization request is returned for inspection) up to the callback URL. */
  async function connect(email = 'alice@example.com') {
    const browser = createBrowser(gh.url);
    await devLogin(browser, email);
    const page = await (await browser.get('/playground')).text();
    const started = await browser.post('/playground/connect', { csrf: csrfFrom(page), endpoint: '/mcp' });
    const authorize = new URL(started.headers.get('location') ?? '');
    const cookie = started.headers.getSetCookie().find((c) => c.startsWith('gh_playground=')) ?? '';
    const decided = await approve(browser, await browser.get(authorize.toString()));
    const callback = new URL(decided.headers.get('location') ?? '');
    return { browser, started, authorize, cookie, callback };
  }

  it('serves its client metadata document: the URL is the client_id, its callback the only redirect URI', async () => {
    const response = await fetch(documentUrl());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      client_id: documentUrl(),
      client_name: 'Gatehouse Playground',
      redirect_uris: [`${gh.url}/playground/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'gatehouse-playground',
    });
  });

  it('matches its redirect URI exactly: another loopback port cannot take a code as the playground', async () => {
    const other = new URL(`${gh.url}/playground/callback`);
    other.port = String(Number(other.port) + 1);
    const authorize = new URL('/oauth/authorize', gh.url);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: documentUrl(),
      redirect_uri: other.toString(),
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(authorize, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
  });

  it('connects with code + PKCE S256 + resource, lists tools and calls echo; tokens never reach the browser', async () => {
    const { browser, started, authorize, cookie, callback } = await connect();
    expect(started.status).toBe(303);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: documentUrl(),
      redirect_uri: `${gh.url}/playground/callback`,
      code_challenge_method: 'S256',
      resource: `${gh.url}/mcp`,
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(callback.pathname).toBe('/playground/callback');
    expect(callback.searchParams.get('iss')).toBe(gh.url);

    const landed = await browser.get(callback.pathname + callback.search);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/playground?endpoint=%2Fmcp');
    const tools = await follow(browser, landed);
    const html = await tools.text();
    expect(html).toContain('data-tool="echo"');
    expect(html).toContain('name="arg.text"');

    const called = await browser.post('/playground/call', {
      csrf: csrfFrom(html),
      endpoint: '/mcp',
      tool: 'echo',
      'arg.text': 'hello from the playground',
    });
    const result = await called.text();
    expect(called.status).toBe(200);
    expect(result).toMatch(/<section class="card" id="result"[^>]*>[\s\S]*hello from the playground/);
    // the token is Gatehouse's own business: no gat_/grt_ value in any page or cookie the browser saw
    for (const seen of [html, result, browser.jar.header()]) expect(seen).not.toMatch(/g(at|rt)_[\w-]{20,}/);
    // issued to the CIMD client, audited like any other client
    const row = await gh.database.db
      .selectFrom('audit_events')
      .select(['event', 'client_id', 'ip'])
      .where('event', '=', 'token.issued')
      .executeTakeFirst();
    // the in-process token request is attributed to the browser's address, not to "unknown"
    expect(row).toEqual({ event: 'token.issued', client_id: documentUrl(), ip: '127.0.0.1' });
  });

  it('refuses a callback from another browser session, a wrong state, a foreign iss and a replay', async () => {
    const first = await connect();
    const cookieValue = first.cookie.split(';')[0] ?? '';
    const query = first.callback.searchParams;
    const callbackWith = (params: Record<string, string>) =>
      `/playground/callback?${new URLSearchParams({ code: query.get('code') ?? '', state: query.get('state') ?? '', iss: gh.url, ...params })}`;

    // another signed-in user replaying the response with the stolen transaction cookie
    const other = createBrowser(gh.url);
    await devLogin(other, 'mallory@example.com');
    const stolen = await fetch(new URL(callbackWith({}), gh.url), {
      headers: { cookie: `${other.jar.header()}; ${cookieValue}` },
      redirect: 'manual',
    });
    expect(stolen.status).toBe(403);
    expect(await stolen.text()).toContain('another browser session');

    const wrongState = await fetch(new URL(callbackWith({ state: 'x'.repeat(32) }), gh.url), {
      headers: { cookie: first.browser.jar.header() },
      redirect: 'manual',
    });
    expect(wrongState.status).toBe(400);
    const foreignIss = await fetch(new URL(callbackWith({ iss: 'https://evil.example' }), gh.url), {
      headers: { cookie: first.browser.jar.header() },
      redirect: 'manual',
    });
    expect(foreignIss.status).toBe(400);

    // the real one succeeds once; the same response again is refused (cookie cleared, state consumed)
    const ok = await first.browser.get(first.callback.pathname + first.callback.search);
    expect(ok.status).toBe(303);
    const replay = await fetch(new URL(first.callback.pathname + first.callback.search, gh.url), {
      headers: { cookie: `${first.browser.jar.header()}; ${cookieValue}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(400);
  });

  it('refuses POSTs without the CSRF token and unknown endpoints', async () => {
    const browser = createBrowser(gh.url);
    await devLogin(browser);
    const page = await (await browser.get('/playground')).text();
    expect((await browser.post('/playground/connect', { endpoint: '/mcp' })).status).toBe(403);
    expect((await browser.post('/playground/call', { endpoint: '/mcp', tool: 'echo' })).status).toBe(403);
    expect(
      (await browser.post('/playground/connect', { csrf: csrfFrom(page), endpoint: '/nope' })).status,
    ).toBe(404);
    expect((await browser.get('/playground?endpoint=%2Fnope')).status).toBe(404);
    expect((await fetch(`${gh.url}/playground`, { redirect: 'manual' })).headers.get('location')).toBe(
      '/login?next=%2Fplayground',
    );
  });

  it('reports invalid form input per field and does not call the tool', async () => {
    const { browser, callback } = await connect();
    const html = await (await follow(browser, await browser.get(callback.pathname + callback.search))).text();
    const called = await browser.post('/playground/call', {
      csrf: csrfFrom(html),
      endpoint: '/mcp',
      tool: 'echo',
    });
    const page = await called.text();
    expect(page).toContain('text is required');
    expect(page).not.toContain('id="result"');
  });

  it('disconnect revokes the token; a revoked token asks to connect again', async () => {
    const { browser, callback } = await connect();
    const html = await (await follow(browser, await browser.get(callback.pathname + callback.search))).text();
    const gone = await browser.post('/playground/disconnect', { csrf: csrfFrom(html), endpoint: '/mcp' });
    expect(gone.status).toBe(303);
    const after = await (await browser.get('/playground?endpoint=%2Fmcp')).text();
    expect(after).toMatch(/data-endpoint="\/mcp"[\s\S]*action="\/playground\/connect"/);
    expect(after).toMatch(/Connect .+ first\./);
    expect(after).not.toContain('data-tool="echo"');
    const revoked = await gh.database.db
      .selectFrom('audit_events')
      .select('event')
      .where('event', '=', 'token.revoked')
      .where('client_id', '=', documentUrl())
      .execute();
    expect(revoked.length).toBeGreaterThan(0);
  });
});

describe('playground with an endpoint whose upstream is down', () => {
  it('says the endpoint could not list its tools, with a 200 page rather than a 500', async () => {
    const gh = await startTestGatehouse({
      resources: [
        {
          path: '/mcp',
          name: 'Broken server',
          upstream: { url: 'http://127.0.0.1:1/mcp', timeoutSeconds: 5 },
          scopes: [{ name: 'mcp:tools', description: 'Use the tools' }],
        },
      ],
    });
    try {
      const browser = createBrowser(gh.url);
      await devLogin(browser);
      const page = await (await browser.get('/playground')).text();
      const started = await browser.post('/playground/connect', { csrf: csrfFrom(page), endpoint: '/mcp' });
      const decided = await approve(browser, await browser.get(started.headers.get('location') ?? ''));
      const callback = new URL(decided.headers.get('location') ?? '');
      const opened = await follow(browser, await browser.get(callback.pathname + callback.search));
      expect(opened.status).toBe(200);
      expect(await opened.text()).toMatch(
        /Broken server could not list its tools: .*(ECONNREFUSED|unreachable)/,
      );
    } finally {
      await gh.close();
    }
  });
});

describe('playground switched off', () => {
  it('serves neither the page nor the document, and the client id is unknown to the AS', async () => {
    const gh = await startTestGatehouse({ playground: { enabled: false } });
    try {
      expect((await fetch(`${gh.url}/playground`)).status).toBe(404);
      expect((await fetch(`${gh.url}/.well-known/oauth-client/playground.json`)).status).toBe(404);
      const authorize = await fetch(
        `${gh.url}/oauth/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: `${gh.url}/.well-known/oauth-client/playground.json`,
          redirect_uri: `${gh.url}/playground/callback`,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        })}`,
        { redirect: 'manual' },
      );
      expect(authorize.status).toBe(400);
    } finally {
      await gh.close();
    }
  });
});
