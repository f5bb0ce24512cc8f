import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  csrfFrom,
  devLogin,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';
import { tamperBase64Url } from '../support/tamper';

const REDIRECT = 'http://127.0.0.1:9999/callback';
let gh: TestGatehouse;

beforeAll(async () => {
  gh = await startTestGatehouse({
    resources: [
      demoResource(),
      { path: '/internal', name: 'Internal', scopes: [{ name: 'internal', description: 'Internal' }] },
    ],
    clients: [
      { clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT, 'https://app.example.com/cb?x=1'] },
      { clientId: 'other', clientName: 'Other', redirectUris: [REDIRECT] },
    ],
  });
});
afterAll(async () => {
  await gh?.close();
});

async function obtainCode(params: Record<string, string | undefined> = {}, options = {}) {
  const pkce = await pkcePair();
  const browser = createBrowser(gh.url);
  const url = authorizeUrl(gh.url, {
    response_type: 'code',
    client_id: 'cli',
    redirect_uri: REDIRECT,
    state: 'st4te',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  const landed = await authorizeThroughPages(browser, url, options);
  return { landed, code: landed.searchParams.get('code') ?? '', pkce, browser };
}

async function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
  return tokenRequest(gh.url, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: 'cli',
    ...extra,
  });
}

function callMcp(token: string, path = '/mcp') {
  return listTools(gh.url, token, path);
}

describe('authorization code flow', () => {
  it('issues a code with state and iss, then tokens that open the MCP endpoint', async () => {
    const { landed, code, pkce } = await obtainCode();
    expect(landed.origin + landed.pathname).toBe(REDIRECT);
    expect(landed.searchParams.get('state')).toBe('st4te');
    expect(landed.searchParams.get('iss')).toBe(gh.url);
    const tokens = await exchange(code, pkce.verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp:tools' });
    expect(tokens.body.access_token).toMatch(/^gat_/);
    expect(tokens.body.refresh_token).toMatch(/^grt_/);
    const mcp = await callMcp(tokens.body.access_token ?? '');
    expect(mcp.status).toBe(200);
    expect(await mcp.text()).toContain('"name":"echo"');
  });

  it('stores no token or code in plaintext', async () => {
    const { code, pkce } = await obtainCode();
    const tokens = await exchange(code, pkce.verifier);
    const logText = gh.logs.text();
    expect(logText).not.toContain(tokens.body.access_token);
    expect(logText).not.toContain(code);
  });

  it('lets the user untick scopes and honours a denial', async () => {
    const narrowed = await obtainCode({ scope: 'mcp:tools mcp:write' }, { untick: ['mcp:write'] });
    const tokens = await exchange(narrowed.code, narrowed.pkce.verifier);
    expect(tokens.body.scope).toBe('mcp:tools');
    const denied = await obtainCode({}, { decision: 'deny' });
    expect(denied.landed.searchParams.get('error')).toBe('access_denied');
    expect(denied.landed.searchParams.get('state')).toBe('st4te');
    expect(denied.landed.searchParams.get('iss')).toBe(gh.url);
  });
});

describe('authorization endpoint refuses', () => {
  async function authorizeRaw(params: Record<string, string | undefined>) {
    const pkce = await pkcePair();
    const url = authorizeUrl(gh.url, {
      response_type: 'code',
      client_id: 'cli',
      redirect_uri: REDIRECT,
      state: 's',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...params,
    });
    return fetch(new URL(url, gh.url), { redirect: 'manual' });
  }

  it.each([
    ['changed path', 'http://127.0.0.1:9999/callback/evil'],
    ['changed query', 'https://app.example.com/cb?x=2'],
    ['fragment', 'https://app.example.com/cb?x=1#f'],
    ['userinfo', 'https://attacker@app.example.com/cb?x=1'],
    ['non-loopback port', 'https://app.example.com:444/cb?x=1'],
    ['open redirect', 'https://evil.example.com/cb'],
  ])('a redirect URI with a %s: local error page, no redirect', async (_label, redirect) => {
    const res = await authorizeRaw({ redirect_uri: redirect });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('redirect_uri does not match');
  });

  it('an unknown client: local error page', async () => {
    const res = await authorizeRaw({ client_id: 'nobody' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('accepts any port on a registered loopback redirect', async () => {
    const res = await authorizeRaw({ redirect_uri: 'http://127.0.0.1:40001/callback' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login\?authz=/);
  });

  it.each([
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['PKCE missing', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['an unknown resource', { resource: 'https://evil.example.com/mcp' }, 'invalid_target'],
    ['an unknown scope', { scope: 'admin' }, 'invalid_scope'],
  ])('%s: error redirect with state and iss', async (_label, params, error) => {
    const res = await authorizeRaw(params);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('s');
    expect(location.searchParams.get('iss')).toBe(gh.url);
  });
});

describe('token endpoint refuses', () => {
  it('a wrong or missing PKCE verifier', async () => {
    const { code, pkce } = await obtainCode();
    const wrong = await exchange(
      code,
      `${pkce.verifier.slice(0, -2)}${pkce.verifier.endsWith('xx') ? 'yy' : 'xx'}`,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    const again = await obtainCode();
    expect((await exchange(again.code, '')).body.error).toBe('invalid_grant');
  });

  it('a replayed code, and revokes the tokens the first use produced (RFC 9700 §4.5)', async () => {
    const { code, pkce } = await obtainCode();
    const first = await exchange(code, pkce.verifier);
    expect(first.status).toBe(200);
    const replay = await exchange(code, pkce.verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await callMcp(first.body.access_token ?? '')).status).toBe(401);
    const refreshed = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: 'cli',
    });
    expect(refreshed.body.error).toBe('invalid_grant');
    const replays = await gh.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'replay.detected')
      .where('reason', '=', 'code_replay')
      .execute();
    expect(replays.length).toBeGreaterThan(0);
    expect(replays.at(-1)).toMatchObject({ client_id: 'cli', ip: '127.0.0.1' });
  });

  it('a code presented by another client', async () => {
    const { code, pkce } = await obtainCode();
    const stolen = await exchange(code, pkce.verifier, { client_id: 'other' });
    expect(stolen.body.error).toBe('invalid_grant');
  });

  it('a redirect_uri that differs from the authorization request', async () => {
    const { code, pkce } = await obtainCode();
    const res = await exchange(code, pkce.verifier, { redirect_uri: 'http://127.0.0.1:1234/callback' });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('a resource that differs from the grant (RFC 8707)', async () => {
    const { code, pkce } = await obtainCode({ resource: `${gh.url}/mcp` });
    const res = await exchange(code, pkce.verifier, { resource: `${gh.url}/internal` });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('malformed requests, with OAuth error bodies', async () => {
    const json = await fetch(new URL('/oauth/token', gh.url), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    const duplicate = await fetch(new URL('/oauth/token', gh.url), {
      method: 'POST',
      body: 'grant_type=authorization_code&grant_type=refresh_token&client_id=cli',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await duplicate.json()).toMatchObject({ error: 'invalid_request' });
    expect((await tokenRequest(gh.url, { grant_type: 'password', client_id: 'cli' })).body.error).toBe(
      'unsupported_grant_type',
    );
    expect(
      (await tokenRequest(gh.url, { grant_type: 'authorization_code', client_id: 'nobody' })).status,
    ).toBe(401);
    const big = await fetch(new URL('/oauth/token', gh.url), {
      method: 'POST',
      body: `code=${'x'.repeat(70_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(big.status).toBe(413);
  });
});

describe('refresh tokens', () => {
  it('rotate; the same token again within the grace gets the same answer; reuse after the successor was used revokes the grant', async () => {
    const { code, pkce } = await obtainCode();
    const first = await exchange(code, pkce.verifier);
    const refresh = (token: string | undefined, extra: Record<string, string> = {}) =>
      tokenRequest(gh.url, { grant_type: 'refresh_token', refresh_token: token, client_id: 'cli', ...extra });
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    // The response with `second` was "lost" (or a parallel request sent the same token): the same answer.
    const again = await refresh(first.body.refresh_token);
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBe(second.body.refresh_token);
    expect(again.body.access_token).toBe(second.body.access_token);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    // The successor was used: the first token again is a replay, and the whole grant goes.
    expect((await refresh(first.body.refresh_token)).body.error).toBe('invalid_grant');
    expect((await callMcp(third.body.access_token ?? '')).status).toBe(401);
    expect((await refresh(third.body.refresh_token)).body.error).toBe('invalid_grant');
    const events = await gh.database.db.selectFrom('audit_events').select(['event', 'reason']).execute();
    expect(events).toContainEqual({ event: 'replay.detected', reason: 'refresh_token_replay' });
    expect(events.some((e) => e.event === 'token.refreshed')).toBe(true);
    expect(events.some((e) => e.event === 'consent.granted')).toBe(true);
    expect(events.some((e) => e.event === 'token.issued')).toBe(true);
    // The audit log holds no credential: no token of this test appears in it.
    const text = JSON.stringify(await gh.database.db.selectFrom('audit_events').selectAll().execute());
    for (const token of [first.body.refresh_token, first.body.access_token, second.body.refresh_token, code])
      expect(text).not.toContain(token);
  });

  it('narrow the scope but never widen it, and refuse another client', async () => {
    const { code, pkce } = await obtainCode({ scope: 'mcp:tools mcp:write' });
    const first = await exchange(code, pkce.verifier);
    const widen = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: 'cli',
      scope: 'mcp:tools internal',
    });
    expect(widen.body.error).toBe('invalid_scope');
    const stolen = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: 'other',
    });
    expect(stolen.body.error).toBe('invalid_grant');
    const narrow = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: 'cli',
      scope: 'mcp:write',
    });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('mcp:write');
  });
});

describe('protected resource', () => {
  it('answers 401 with resource_metadata, and invalid_token when a bad token is presented', async () => {
    const none = await fetch(new URL('/mcp', gh.url), { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${gh.url}/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"`,
    );
    const bad = await callMcp('gat_not-a-real-token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a foreign Origin with 403 even with a valid token (DNS rebinding), accepts its own', async () => {
    const { code, pkce } = await obtainCode();
    const tokens = await exchange(code, pkce.verifier);
    const call = (origin: string) => listTools(gh.url, tokens.body.access_token ?? '', '/mcp', { origin });
    expect((await call('http://evil.example.com')).status).toBe(403);
    expect((await call('null')).status).toBe(403);
    expect((await call(gh.url)).status).toBe(200);
    expect((await call('http://localhost:5173')).status).toBe(200); // loopback page, loopback issuer
  });

  it('refuses a token at another resource (audience)', async () => {
    const { code, pkce } = await obtainCode();
    const tokens = await exchange(code, pkce.verifier);
    expect((await callMcp(tokens.body.access_token ?? '', '/internal')).status).toBe(401);
  });

  it('serves RFC 9728 metadata, root and path-scoped, without offline_access', async () => {
    const scoped = await (
      await fetch(new URL('/.well-known/oauth-protected-resource/internal', gh.url))
    ).json();
    expect(scoped).toMatchObject({ resource: `${gh.url}/internal`, authorization_servers: [gh.url] });
    const root = await (await fetch(new URL('/.well-known/oauth-protected-resource', gh.url))).json();
    expect(root.resource).toBe(`${gh.url}/mcp`);
    expect(root.scopes_supported).not.toContain('offline_access');
    const as = await (await fetch(new URL('/.well-known/oauth-authorization-server', gh.url))).json();
    expect(as).toMatchObject({
      issuer: gh.url,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
  });
});

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token ends the grant; an access token only itself', async () => {
    const a = await obtainCode();
    const tokens = await exchange(a.code, a.pkce.verifier);
    const revoke = (token: string | undefined) =>
      fetch(new URL('/oauth/revoke', gh.url), {
        method: 'POST',
        body: new URLSearchParams({ token: token ?? '', client_id: 'cli' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    expect((await revoke(tokens.body.access_token)).status).toBe(200);
    expect((await callMcp(tokens.body.access_token ?? '')).status).toBe(401);
    const refreshed = await tokenRequest(gh.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_id: 'cli',
    });
    expect(refreshed.status).toBe(200);
    expect((await revoke(refreshed.body.refresh_token)).status).toBe(200);
    expect((await callMcp(refreshed.body.access_token ?? '')).status).toBe(401);
    expect((await revoke('unknown-token')).status).toBe(200);
    const revoked = await gh.database.db
      .selectFrom('audit_events')
      .select(['details'])
      .where('event', '=', 'token.revoked')
      .where('client_id', '=', 'cli')
      .execute();
    expect(revoked.map((row) => JSON.parse(row.details).kind)).toEqual(
      expect.arrayContaining(['access', 'refresh']),
    );
  });
});

describe('consent page', () => {
  async function pendingConsent(params: Record<string, string> = {}, email?: string) {
    const pkce = await pkcePair();
    const browser = createBrowser(gh.url);
    await devLogin(browser, email);
    const start = await browser.get(
      authorizeUrl(gh.url, {
        response_type: 'code',
        client_id: 'cli',
        redirect_uri: REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        ...params,
      }),
    );
    const location = start.headers.get('location') ?? '';
    const authz = new URL(location, gh.url).searchParams.get('authz') ?? '';
    const page = await browser.get(location);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    return { browser, authz, csrf: csrfFrom(html), html, pkce };
  }

  it('shows the client, the redirect host and each scope', async () => {
    const { html } = await pendingConsent();
    expect(html).toContain('Test CLI');
    expect(html).toContain('127.0.0.1:9999');
    expect(html).toContain('Use the tools');
    // This request's code goes to a loopback port, whatever else the client registered.
    expect(html).toContain('a program on this computer');
  });

  it('Approve with nothing ticked asks again (400, the request kept) instead of denying', async () => {
    const { browser, authz, csrf } = await pendingConsent();
    const empty = await browser.post('/oauth/consent', { authz, csrf, decision: 'approve' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Nothing was ticked');
    const approved = await browser.post('/oauth/consent', {
      authz,
      csrf,
      decision: 'approve',
      scope: 'mcp:tools',
    });
    expect(new URL(approved.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
  });

  it('a step-up names the client, marks the new scopes, says how long access lasts and offers sign-out', async () => {
    const first = await obtainCode({ scope: 'mcp:tools' }, { email: 'stepper@example.com' });
    expect((await exchange(first.code, first.pkce.verifier)).status).toBe(200);
    const { html } = await pendingConsent({ scope: 'mcp:tools mcp:write' }, 'stepper@example.com');
    expect(html).toMatch(/<h1>Test CLI wants more access to Demo MCP<\/h1>/);
    // Each within its own label.
    expect(html).toMatch(/data-scope="mcp:write">(?:(?!<\/label>).)*<strong> new<\/strong>/s);
    expect(html).toMatch(/data-scope="mcp:tools">(?:(?!<\/label>).)*already allowed/s);
    expect(html).toContain('until you revoke it on Connected apps, at most 30 days');
    expect(html).toContain('not you? sign out');
    // Someone else asked for the same: nothing is theirs yet, so nothing is marked.
    const fresh = await pendingConsent({ scope: 'mcp:tools mcp:write' }, 'newcomer@example.com');
    expect(fresh.html).toMatch(/<h1>Test CLI wants to access Demo MCP<\/h1>/);
    expect(fresh.html).not.toContain('already allowed');
  });

  it('refuses a POST without or with a wrong CSRF token, or a tampered pending id', async () => {
    const { browser, authz, csrf } = await pendingConsent();
    expect(
      (await browser.post('/oauth/consent', { authz, decision: 'approve', scope: 'mcp:tools' })).status,
    ).toBe(403);
    expect(
      (await browser.post('/oauth/consent', { authz, csrf: `${csrf}x`, decision: 'approve' })).status,
    ).toBe(403);
    expect(
      (
        await browser.post('/oauth/consent', {
          authz: tamperBase64Url(authz),
          csrf,
          decision: 'approve',
        })
      ).status,
    ).toBe(403);
    const other = createBrowser(gh.url);
    await devLogin(other, 'mallory@example.com');
    expect(
      (await other.post('/oauth/consent', { authz, csrf, decision: 'approve', scope: 'mcp:tools' })).status,
    ).toBe(403);
    // The genuine form still works once, then never again.
    const ok = await browser.post('/oauth/consent', { authz, csrf, decision: 'approve', scope: 'mcp:tools' });
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    const again = await browser.post('/oauth/consent', {
      authz,
      csrf,
      decision: 'approve',
      scope: 'mcp:tools',
    });
    expect(again.status).toBe(400);
  });

  it('never lets a form field widen the stored request', async () => {
    const { browser, authz, csrf, pkce } = await pendingConsent();
    const res = await browser.post('/oauth/consent', {
      authz,
      csrf,
      decision: 'approve',
      scope: ['mcp:tools', 'mcp:write', 'internal'],
    });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code,
      code_verifier: pkce.verifier,
      client_id: 'cli',
      redirect_uri: REDIRECT,
    });
    expect(tokens.body.scope).toBe('mcp:tools');
  });

  it('only the browser that started a request may see or answer it, even signed in, knowing its id', async () => {
    const { browser, authz, csrf } = await pendingConsent();
    const other = createBrowser(gh.url);
    await devLogin(other, 'mallory@example.com');
    expect((await other.get(`/oauth/consent?authz=${authz}`)).status).toBe(403);
    expect(
      (await other.post('/oauth/consent', { authz, csrf, decision: 'approve', scope: 'mcp:tools' })).status,
    ).toBe(403);
    // Not consumed by the foreign attempts: the user's own browser still decides.
    const own = await browser.post('/oauth/consent', {
      authz,
      csrf,
      decision: 'approve',
      scope: 'mcp:tools',
    });
    expect(new URL(own.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
  });
});
