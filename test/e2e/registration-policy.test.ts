import { afterAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

const started: TestGatehouse[] = [];
afterAll(async () => {
  await Promise.all(started.map((gh) => gh.close()));
});

async function register(gh: TestGatehouse, body: unknown) {
  const res = await fetch(new URL('/oauth/register', gh.url), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

describe('registration policy', () => {
  it('can switch DCR off: no registration endpoint in metadata, and registration refused', async () => {
    const gh = await startTestGatehouse({ registration: { enabled: false } });
    started.push(gh);
    const metadata = await (await fetch(new URL('/.well-known/oauth-authorization-server', gh.url))).json();
    expect(metadata.registration_endpoint).toBeUndefined();
    const res = await register(gh, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('can refuse public clients while accepting confidential ones', async () => {
    const gh = await startTestGatehouse({ registration: { allowPublicClients: false } });
    started.push(gh);
    const publicClient = await register(gh, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    expect(publicClient.status).toBe(400);
    expect(publicClient.body.error).toBe('invalid_client_metadata');
    const confidential = await register(gh, { redirect_uris: ['https://app.example.com/cb'] });
    expect(confidential.status).toBe(201);
  });

  it('can switch CIMD off: metadata says so and a URL client_id gets a local error page', async () => {
    const gh = await startTestGatehouse({ cimd: { enabled: false } });
    started.push(gh);
    const metadata = await (await fetch(new URL('/.well-known/oauth-authorization-server', gh.url))).json();
    expect(metadata.client_id_metadata_document_supported).toBe(false);
    const authorize = new URL('/oauth/authorize', gh.url);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'https://client.example.com/metadata.json',
      redirect_uri: 'http://127.0.0.1/cb',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('client metadata documents are disabled');
  });

  it('serves RFC 8414 metadata at the path-inserted URL when the issuer has a path', async () => {
    const gh = await startTestGatehouse({}, { issuerPath: '/tenant1' });
    started.push(gh);
    const origin = new URL(gh.config.issuer).origin;
    const res = await fetch(`${origin}/.well-known/oauth-authorization-server/tenant1`);
    expect(res.status).toBe(200);
    const metadata = await res.json();
    expect(metadata.issuer).toBe(`${origin}/tenant1`);
    expect(metadata.token_endpoint).toBe(`${origin}/tenant1/oauth/token`);
  });
});

describe('anonymous registration is bounded', () => {
  it('takes JSON only, and a small hourly budget per address', async () => {
    const gh = await startTestGatehouse({ registration: { maxPerIpPerHour: 3 } });
    started.push(gh);
    const form = await fetch(new URL('/oauth/register', gh.url), {
      method: 'POST',
      body: 'redirect_uris=https://app.example.com/cb',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const body = { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' };
    for (let i = 0; i < 3; i++) expect((await register(gh, body)).status).toBe(201);
    const refused = await fetch(new URL('/oauth/register', gh.url), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('stores no more than 32 KB of metadata per registration', async () => {
    const gh = await startTestGatehouse({ http: { bodyLimitBytes: 200_000 } });
    started.push(gh);
    const key = { kty: 'RSA', e: 'AQAB', n: 'x'.repeat(3000) };
    const refused = await register(gh, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: Array.from({ length: 15 }, (_, i) => ({ ...key, kid: `k${i}` })) },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/larger than 32768 bytes/);
  });

  it('forgets a registration that never obtained a token within a day', async () => {
    let offset = 0;
    const gh = await startTestGatehouse({}, { now: () => Date.now() + offset });
    started.push(gh);
    const registered = await register(gh, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    const row = await gh.database.db
      .selectFrom('oauth_clients')
      .select('expires_at')
      .where('client_id', '=', registered.body.client_id)
      .executeTakeFirstOrThrow();
    expect(Number(row.expires_at) - Date.now()).toBeLessThanOrEqual(86_400_000 + 60_000);
    offset = 86_400_000 + 1;
    const authorize = new URL('/oauth/authorize', gh.url);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: registered.body.client_id,
      redirect_uri: 'http://127.0.0.1/cb',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(authorize, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('unknown client_id');
  });
});
