import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeOutbound } from '../../src/lib/net/safe-fetch';
import { startCimdServer } from '../support/cimd-server';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  csrfFrom,
  devLogin,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/callback';
const SECRET = 'confidential-client-secret-0123456789abcdef';
const SIGNING = await generateKeyPair('ES256', { extractable: true });
let gh: TestGatehouse;
let cimd: Awaited<ReturnType<typeof startCimdServer>>;

beforeAll(async () => {
  cimd = await startCimdServer();
  gh = await startTestGatehouse(
    {
      clients: [
        {
          clientId: 'conf',
          clientName: 'Confidential',
          redirectUris: [REDIRECT],
          tokenEndpointAuthMethod: 'client_secret_basic',
          clientSecret: SECRET,
        },
        {
          clientId: 'post',
          clientName: 'Post',
          redirectUris: [REDIRECT],
          tokenEndpointAuthMethod: 'client_secret_post',
          clientSecret: SECRET,
        },
        {
          clientId: 'signed',
          clientName: 'Signed',
          redirectUris: [REDIRECT],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [{ ...(await exportJWK(SIGNING.publicKey)), kid: 'e1' }] },
        },
      ],
    },
    { outbound: createNodeOutbound({ ca: cimd.ca }) },
  );
});
afterAll(async () => {
  await gh?.close();
  await cimd?.close();
});

async function codeFor(clientId: string, browser = createBrowser(gh.url), email?: string) {
  const pkce = await pkcePair();
  const landed = await authorizeThroughPages(
    browser,
    authorizeUrl(gh.url, {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    }),
    email ? { email } : {},
  );
  return { code: landed.searchParams.get('code') ?? '', verifier: pkce.verifier, landed };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('confidential clients', () => {
  it('authenticate with their registered method only', async () => {
    const { code, verifier } = await codeFor('conf');
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT };
    const wrong = await tokenRequest(gh.url, form, { authorization: basic('conf', 'wrong-secret') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toContain('Basic');
    const asPost = await tokenRequest(gh.url, { ...form, client_id: 'conf', client_secret: SECRET });
    expect(asPost.body.error).toBe('invalid_client');
    const ok = await tokenRequest(gh.url, form, { authorization: basic('conf', SECRET) });
    expect(ok.status).toBe(200);
  });

  it('client_secret_post works in the body and not as Basic', async () => {
    const { code, verifier } = await codeFor('post');
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT };
    expect((await tokenRequest(gh.url, form, { authorization: basic('post', SECRET) })).body.error).toBe(
      'invalid_client',
    );
    expect((await tokenRequest(gh.url, { ...form, client_id: 'post', client_secret: SECRET })).status).toBe(
      200,
    );
  });
});

describe('a pre-registered private_key_jwt client (config jwks)', () => {
  const assertion = (aud: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'e1' })
      .setIssuer('signed')
      .setSubject('signed')
      .setAudience(aud)
      .setExpirationTime('2m')
      .setJti(crypto.randomUUID())
      .sign(SIGNING.privateKey);

  it('authenticates with an assertion whose aud is the token endpoint or the issuer, never with client_id alone', async () => {
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    for (const aud of [`${gh.url}/oauth/token`, gh.url]) {
      const { code, verifier } = await codeFor('signed');
      const form = {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
      };
      const bare = await tokenRequest(gh.url, { ...form, client_id: 'signed' });
      expect(bare.body.error).toBe('invalid_client');
      const ok = await tokenRequest(gh.url, {
        ...form,
        client_assertion_type: type,
        client_assertion: await assertion(aud),
      });
      expect(ok.status).toBe(200);
    }
  });
});

describe('dynamic client registration (RFC 7591)', () => {
  const register = (body: unknown) =>
    fetch(new URL('/oauth/register', gh.url), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('registers a public client with defaults, usable through the whole flow', async () => {
    const res = await register({
      client_name: 'Inspector',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(201);
    const client = await res.json();
    expect(client).toMatchObject({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    expect(client.client_secret).toBeUndefined();
    const consentHtml = await (async () => {
      const browser = createBrowser(gh.url);
      await devLogin(browser);
      const pkce = await pkcePair();
      const start = await browser.get(
        authorizeUrl(gh.url, {
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: REDIRECT,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
      );
      return (await browser.get(start.headers.get('location') ?? '')).text();
    })();
    expect(consentHtml).toContain('its name is not verified');
    const { code, verifier } = await codeFor(client.client_id);
    const tokens = await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: client.client_id,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeUndefined(); // grant_types defaulted to authorization_code only
  });

  it('returns a secret once for a confidential client and stores only its hash', async () => {
    const res = await register({ client_name: 'Server app', redirect_uris: ['https://app.example.com/cb'] });
    const client = await res.json();
    expect(client.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(client.client_secret).toMatch(/^gcs_/);
  });

  it.each([
    [{ redirect_uris: ['http://evil.example.com/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: [REDIRECT], grant_types: ['implicit'] }, 'invalid_client_metadata'],
    [{ redirect_uris: [REDIRECT], response_types: ['token'] }, 'invalid_client_metadata'],
  ])('refuses %j', async (body, error) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(error);
  });

  it('refuses a body that is not a JSON object', async () => {
    const res = await fetch(new URL('/oauth/register', gh.url), {
      method: 'POST',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_client_metadata');
  });
});

describe('client ID metadata documents', () => {
  const document = (url: string, extra: Record<string, unknown> = {}) => ({
    client_id: url,
    client_name: 'Localhost Tool',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

  it('fetches, validates and caches the document; the consent page shows its host', async () => {
    const url = `${cimd.base}/good.json`;
    cimd.serve('/good.json', document(url), { cacheControl: 'max-age=300' });
    const browser = createBrowser(gh.url);
    await devLogin(browser);
    const pkce = await pkcePair();
    const start = await browser.get(
      authorizeUrl(gh.url, {
        response_type: 'code',
        client_id: url,
        redirect_uri: REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(start.status).toBe(302);
    const html = await (await browser.get(start.headers.get('location') ?? '')).text();
    expect(html).toContain(new URL(cimd.base).host);
    const hitsBefore = cimd.hits;
    const { code, verifier } = await codeFor(url);
    expect(cimd.hits).toBe(hitsBefore); // served from the cache
    const tokens = await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: url,
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toMatch(/^grt_/);
    expect(csrfFrom(html)).toBeTruthy();
  });

  it.each([
    ['client_id mismatch', (url: string) => document(`${url}x`)],
    ['a client_secret', (url: string) => document(url, { client_secret: 'x' })],
    ['an unsafe redirect', (url: string) => document(url, { redirect_uris: ['javascript:alert(1)'] })],
    ['private_key_jwt', (url: string) => document(url, { token_endpoint_auth_method: 'private_key_jwt' })],
  ])('renders a readable error page (no redirect) for a document with %s', async (label, make) => {
    const path = `/bad-${label.replace(/\W/g, '')}.json`;
    const url = cimd.serve(path, make(`${cimd.base}${path}`));
    const pkce = await pkcePair();
    const res = await fetch(
      new URL(
        authorizeUrl(gh.url, {
          response_type: 'code',
          client_id: url,
          redirect_uri: REDIRECT,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
        gh.url,
      ),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('client metadata document is invalid');
    const token = await tokenRequest(gh.url, { grant_type: 'authorization_code', code: 'x', client_id: url });
    expect(token.status).toBe(401);
    expect(token.body.error).toBe('invalid_client');
  });

  it('does not cache errors, and a 404 document is refused', async () => {
    const url = `${cimd.base}/missing.json`;
    const before = cimd.hits;
    for (let i = 0; i < 2; i++) {
      const token = await tokenRequest(gh.url, {
        grant_type: 'authorization_code',
        code: 'x',
        client_id: url,
      });
      expect(token.body.error_description).toContain('HTTP 404');
    }
    expect(cimd.hits).toBe(before + 2);
  });
});

describe('connected apps', () => {
  it('lists the user grants and revokes one; another user cannot revoke it', async () => {
    const alice = createBrowser(gh.url);
    const { code, verifier } = await codeFor('conf', alice, 'alice@example.com');
    const tokens = await tokenRequest(
      gh.url,
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
      { authorization: basic('conf', SECRET) },
    );
    const page = await (await alice.get('/account/apps')).text();
    expect(page).toContain('Confidential');
    const grantId = /name="grant" value="([^"]+)"/.exec(page)?.[1] ?? '';

    const mallory = createBrowser(gh.url);
    const own = await codeFor('post', mallory, 'mallory@example.com');
    await tokenRequest(gh.url, {
      grant_type: 'authorization_code',
      code: own.code,
      code_verifier: own.verifier,
      redirect_uri: REDIRECT,
      client_id: 'post',
      client_secret: SECRET,
    });
    const malloryPage = await (await mallory.get('/account/apps')).text();
    expect(malloryPage).not.toContain('Confidential');
    const refused = await mallory.post('/account/apps/revoke', {
      csrf: csrfFrom(malloryPage),
      grant: grantId,
    });
    expect(refused.status).toBe(404);

    const revoked = await alice.post('/account/apps/revoke', { csrf: csrfFrom(page), grant: grantId });
    expect(revoked.status).toBe(303);
    const refresh = await tokenRequest(
      gh.url,
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      { authorization: basic('conf', SECRET) },
    );
    expect(refresh.body.error).toBe('invalid_grant');
    const audited = await gh.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('event', '=', 'grant.revoked')
      .where('client_id', '=', 'conf')
      .execute();
    expect(audited).toHaveLength(1);
    expect(JSON.parse(audited[0]?.details ?? '{}')).toEqual({ by: 'user' });
  });
});
