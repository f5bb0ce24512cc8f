import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackFromIdp, federatedLogin, follow } from '../support/federated-login';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { type Browser, createBrowser } from '../support/oauth-driver';
import { startTestIdp, type TestIdp } from '../support/oidc-idp';

/**
 * Federated login against two real OpenID Connect providers (oidc-provider on loopback): `corp` puts the
 * claims in an RS256 id_token for a confidential client; `corp-es` signs ES256 for a public client and gives
 * the email only through userinfo.
 */
describe('federated login (OpenID Connect)', () => {
  let idp: TestIdp;
  let idpEs: TestIdp;
  let gatehouse: TestGatehouse;
  const users = {
    alice: { email: 'alice@example.com', name: 'Alice', groups: ['eng'] },
    dave: { email: 'DAVE@Example.COM', name: 'Dave' },
    bob: { email: 'bob@other.org', name: 'Bob' },
    carol: { email: 'carol@example.com', emailVerified: false },
    grace: { email: 'grace@contractor.io', groups: ['Eng'] },
  };

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    idp = await startTestIdp({
      claimsInIdToken: true,
      users,
      clients: [
        {
          clientId: 'gatehouse',
          clientSecret: 'idp-secret-0123456789',
          redirectUris: [`${base}/login/corp/callback`],
        },
      ],
    });
    idpEs = await startTestIdp({
      users,
      clients: [
        { clientId: 'gatehouse-es', redirectUris: [`${base}/login/corp-es/callback`], idTokenAlg: 'ES256' },
      ],
    });
    const closed = await freePort();
    gatehouse = await startTestGatehouse(
      {
        devLogin: { enabled: false },
        access: { domains: ['example.com'], groups: ['eng'], helpText: 'Write to it-help@example.com.' },
        identity: { jwksCooldownSeconds: 0 },
        identityProviders: [
          {
            id: 'corp',
            type: 'oidc',
            displayName: 'Corp SSO',
            issuer: idp.issuer,
            clientId: 'gatehouse',
            clientSecret: 'idp-secret-0123456789',
            scopes: ['groups'],
          },
          {
            id: 'corp-es',
            type: 'oidc',
            issuer: idpEs.issuer,
            clientId: 'gatehouse-es',
            algorithms: ['ES256'],
            scopes: ['groups'],
          },
          { id: 'down', type: 'oidc', issuer: `http://127.0.0.1:${closed}`, clientId: 'x' },
        ],
      },
      { port },
    );
  });
  afterAll(async () => {
    await gatehouse?.close();
    await idp?.close();
    await idpEs?.close();
  });

  const signedIn = async (browser: Browser) => (await browser.get('/account/apps')).status === 200;
  const auditRows = (event: string) =>
    gatehouse.logs.lines
      .filter((line) => line.includes(`"audit ${event}"`))
      .map((line) => JSON.parse(line).audit);
  const loginAs = (who: keyof typeof users, via: TestIdp = idp) => {
    via.state.nextLogin = who;
    return createBrowser(gatehouse.url);
  };

  it('shows a chooser when several IdPs are configured', async () => {
    const page = await createBrowser(gatehouse.url).get('/login?authz=abcdefghijklmnop1234');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Continue with Corp SSO');
    expect(html).toContain('href="/login/corp?authz=abcdefghijklmnop1234"');
    expect(html).toContain('href="/login/corp-es?authz=abcdefghijklmnop1234"');
    expect(html).not.toContain('Development login');
  });

  it('returns to the page asked for through the IdP round trip, and never to another site', async () => {
    const back = await follow(
      loginAs('alice'),
      `/login/corp?next=${encodeURIComponent('/account/tokens?x=1')}`,
    );
    expect(`${back.url.pathname}${back.url.search}`).toBe('/account/tokens?x=1');
    const chooser = await (await loginAs('alice').get('/login?next=%2Fhub%2Fconnections')).text();
    expect(chooser).toContain('href="/login/corp?next=%2Fhub%2Fconnections"');
    const away = await follow(loginAs('alice'), `/login/corp?next=${encodeURIComponent('//evil.example/')}`);
    expect(away.url.pathname).toBe('/');
    expect(away.url.host).toBe(new URL(gatehouse.url).host);
  });

  it('signs in an admitted user (id_token claims, RS256), stores no email in clear and audits it', async () => {
    const browser = loginAs('alice');
    const { response, url } = await federatedLogin(browser, 'corp');
    expect(url.pathname).toBe('/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('alice@example.com');
    const rows = await gatehouse.database.db.selectFrom('users').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain('alice@example.com');
    const event = auditRows('login.succeeded').at(-1);
    expect(event).toMatchObject({ event: 'login.succeeded', idp: 'corp', admin: false });
    expect(event.userId).toMatch(/^u_/);
    expect(JSON.stringify(event)).not.toContain('alice@');
  });

  it('signs in through ES256 and userinfo, and admits an email that differs only in case', async () => {
    const browser = loginAs('dave', idpEs);
    const { url } = await federatedLogin(browser, 'corp-es');
    expect(url.pathname).toBe('/');
    expect(idpEs.count('GET /me')).toBeGreaterThan(0); // userinfo was asked for the email
  });

  it('admits by group (case-insensitive) a user whose domain is not listed', async () => {
    const browser = loginAs('grace');
    expect((await federatedLogin(browser, 'corp')).url.pathname).toBe('/');
  });

  it('refuses a user the policy does not admit, with a page that does not reveal the policy', async () => {
    const browser = loginAs('bob');
    const { response } = await federatedLogin(browser, 'corp');
    const html = await response.text();
    expect(response.status).toBe(403);
    expect(html).toContain('You are not admitted');
    expect(html).toContain('Write to it-help@example.com.');
    expect(html).toContain('Reason: not_admitted');
    expect(html).toMatch(/Request id: [\w-]+/);
    expect(html).not.toContain('example.com<');
    expect(html).not.toMatch(/domain|group/i);
    expect(await signedIn(browser)).toBe(false);
    expect(auditRows('login.failed').at(-1)).toMatchObject({ reason: 'not_admitted', idp: 'corp' });
  });

  it('refuses an unverified email even in an admitted domain', async () => {
    const browser = loginAs('carol');
    const { response } = await federatedLogin(browser, 'corp');
    expect(response.status).toBe(403);
    expect(await signedIn(browser)).toBe(false);
    expect(auditRows('login.failed').at(-1)).toMatchObject({ reason: 'email_unverified' });
  });

  describe('refuses a hostile or broken id_token with 401 and a reason, storing nothing', () => {
    const forge = async (change: (claims: Record<string, unknown>, token: string) => Promise<string>) => {
      const browser = loginAs('alice');
      const before = await gatehouse.database.db.selectFrom('users').select('id').execute();
      idp.state.tamperTokenResponse = async (body) => ({
        ...body,
        id_token: await change(decodeJwt(String(body.id_token)), String(body.id_token)),
      });
      const { response } = await federatedLogin(browser, 'corp');
      const html = await response.text();
      expect(response.status, html).toBe(401);
      expect(html).toContain('Reason: id_token_invalid');
      expect(await signedIn(browser)).toBe(false);
      expect(await gatehouse.database.db.selectFrom('users').select('id').execute()).toEqual(before);
      expect(auditRows('login.failed').at(-1)).toMatchObject({ reason: 'id_token_invalid' });
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('wrong audience', () => forge((claims) => idp.sign({ ...claims, aud: 'another-client' })));
    it('expired', () => forge((claims) => idp.sign({ ...claims, iat: now() - 7200, exp: now() - 3600 })));
    it('another issuer', () => forge((claims) => idp.sign({ ...claims, iss: 'https://evil.example' })));
    it('azp naming another client', () =>
      forge((claims) => idp.sign({ ...claims, aud: ['gatehouse', 'x'], azp: 'x' })));
    it('bad signature', () =>
      forge(async (_claims, token) => {
        const [header, payload, signature = ''] = token.split('.');
        const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
        return `${header}.${payload}.${flipped}`;
      }));
    it('alg none', () =>
      forge(async (claims) => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
      }));
    it('HS256 signed with the IdP public key as the secret', () =>
      forge(async (claims, token) => {
        const { kid } = decodeProtectedHeader(token);
        const publicJwk = idp.keys.find((key) => key.kid === kid)?.publicJwk;
        const { SignJWT } = await import('jose');
        const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(secret);
      }));
    it('signed by a key the IdP never published (unknown kid)', () =>
      forge(async (claims) => idp.sign(claims, await idp.newKey('RS256', 'attacker-key'))));
  });

  it('refreshes the JWKS on an unknown kid after the IdP rotates its keys, and caches it otherwise', async () => {
    await federatedLogin(loginAs('alice'), 'corp');
    const fetchedBefore = idp.count('GET /jwks');
    await federatedLogin(loginAs('alice'), 'corp');
    expect(idp.count('GET /jwks')).toBe(fetchedBefore); // cached
    const rotated = await idp.rotateKeys('RS256');
    const browser = loginAs('alice');
    idp.state.tamperTokenResponse = async (body) => {
      expect(decodeProtectedHeader(String(body.id_token)).kid).toBe(rotated.kid);
      return body;
    };
    expect((await federatedLogin(browser, 'corp')).url.pathname).toBe('/');
    expect(idp.count('GET /jwks')).toBe(fetchedBefore + 1);
  });

  it('refuses a replayed state, and a callback carried to another browser', async () => {
    const browser = loginAs('alice');
    const callback = await callbackFromIdp(browser, 'corp');
    const stolen = createBrowser(gatehouse.url);
    const elsewhere = await stolen.get(callback.toString());
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('Reason: state_invalid');
    // The attempt from another browser consumed the state: the rightful browser must start again too.
    const replay = await browser.get(callback.toString());
    expect(replay.status).toBe(400);

    const second = loginAs('alice');
    const fresh = await callbackFromIdp(second, 'corp');
    expect((await second.get(fresh.toString())).status).toBe(303);
    const again = await second.get(fresh.toString());
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Reason: state_invalid');
  });

  it('refuses an id_token replayed from an earlier login (its nonce is not this login’s)', async () => {
    let captured = '';
    idp.state.tamperTokenResponse = async (body) => {
      captured = String(body.id_token);
      return body;
    };
    await federatedLogin(loginAs('alice'), 'corp');
    expect(captured).not.toBe('');
    idp.state.tamperTokenResponse = async (body) => ({ ...body, id_token: captured });
    const browser = loginAs('alice');
    const { response } = await federatedLogin(browser, 'corp');
    expect(response.status).toBe(401);
    expect(await signedIn(browser)).toBe(false);
  });

  it('shows a clear page when the IdP is down, and stores nothing', async () => {
    const down = await createBrowser(gatehouse.url).get('/login/down');
    expect(down.status).toBe(502);
    const html = await down.text();
    expect(html).toContain('Identity provider unavailable');
    expect(html).toContain('Reason: idp_unreachable');
    expect(down.headers.get('set-cookie')).toBeNull();

    // Down between the redirect and the callback: the token request fails; no session, no user.
    const browser = loginAs('alice');
    const users = await gatehouse.database.db.selectFrom('users').select('id').execute();
    const callback = await callbackFromIdp(browser, 'corp');
    idp.state.down = true;
    try {
      const response = await browser.get(callback.toString());
      expect(response.status).toBe(502);
      expect(await response.text()).toContain('Reason: idp_unreachable');
    } finally {
      idp.state.down = false;
    }
    expect(await signedIn(browser)).toBe(false);
    expect(await gatehouse.database.db.selectFrom('users').select('id').execute()).toEqual(users);
  });

  it('answers an IdP error at the callback (user cancelled) with 403 and no session', async () => {
    const browser = loginAs('alice');
    const callback = await callbackFromIdp(browser, 'corp');
    const cancelled = new URL(callback);
    cancelled.searchParams.delete('code');
    cancelled.searchParams.set('error', 'access_denied');
    const response = await browser.get(cancelled.toString());
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Reason: idp_denied');
    expect(await signedIn(browser)).toBe(false);
  });

  it('keeps the pending authorization through the IdP round trip', async () => {
    const browser = loginAs('alice');
    const { url } = await follow(browser, '/login/corp?authz=abcdefghijklmnop1234');
    expect(url.pathname).toBe('/oauth/consent');
    expect(url.searchParams.get('authz')).toBe('abcdefghijklmnop1234');
  });
});
