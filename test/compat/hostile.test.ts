import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, createBrowser, devLogin, tokenRequest } from '../support/oauth-driver';
import { CLIENTS, type ClientProfile } from './clients';
import {
  ASSERTION_TYPE,
  authorizeAndExchange,
  type CompatWorld,
  clientAssertion,
  registerClient,
  startCompatWorld,
} from './harness';

let world: CompatWorld;
function profile(name: string): ClientProfile {
  const found = CLIENTS.find((client) => client.name === name);
  if (!found) throw new Error(`no profile ${name}`);
  return found;
}
const chatgpt = profile('ChatGPT (private_key_jwt)');
const bothMethods = profile('ChatGPT (both methods listed)');
const claude = profile('claude.ai');

beforeAll(async () => {
  world = await startCompatWorld();
});
afterAll(async () => {
  await world?.close();
});

/** A code for ChatGPT's client, then a token request with `assertion` in place of a good one. */
async function exchangeWith(
  assertion: (clientId: string) => Promise<string>,
  extra: Record<string, string> = {},
) {
  const clientId = await registerClient(world, chatgpt);
  const { tokens: first } = await authorizeAndExchange(world, chatgpt, clientId);
  expect(first.status).toBe(200);
  return tokenRequest(world.gatehouse.url, {
    grant_type: 'refresh_token',
    refresh_token: first.body.refresh_token,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(clientId),
    ...extra,
  });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('private_key_jwt: hostile assertions are invalid_client, and burn nothing', () => {
  it.each([
    [
      'a signature by another key under the same kid',
      async (id: string) => clientAssertion(world, id, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    [
      'alg none',
      async (id: string) =>
        `${b64({ alg: 'none', kid: 'cimd-key-1' })}.${b64({ iss: id, sub: id, aud: world.tokenEndpoint, exp: Math.floor(Date.now() / 1000) + 60, jti: 'n1' })}.`,
    ],
    [
      'HS256 with a guessable secret',
      async (id: string) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: 'cimd-key-1' })
          .setIssuer(id)
          .setSubject(id)
          .setAudience(world.tokenEndpoint)
          .setExpirationTime('60s')
          .setJti('h1')
          .sign(new TextEncoder().encode('the-public-modulus-is-not-a-secret')),
    ],
    [
      'an expired assertion',
      (id: string) => clientAssertion(world, id, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
    ],
    ['exp an hour ahead', (id: string) => clientAssertion(world, id, { expiresIn: '1h' })],
    [
      'another audience',
      (id: string) => clientAssertion(world, id, { audience: 'https://other.example.com/token' }),
    ],
    [
      'iss not equal to sub',
      (id: string) => clientAssertion(world, id, { issuer: 'https://evil.example/c' }),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('%s', async (_label, make) => {
    const refused = await exchangeWith(make);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('a key published by another document does not sign for this client', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    world.documents.serve('/other/jwks.json', {
      keys: [{ ...(await exportJWK(other.publicKey)), kid: 'other-1' }],
    });
    const refused = await exchangeWith((id) =>
      clientAssertion(world, id, { key: other.privateKey, kid: 'other-1' }),
    );
    expect(refused.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/no key/),
    });
  });

  it('a replayed assertion (same jti) is refused, and the refresh token survives it', async () => {
    const clientId = await registerClient(world, chatgpt);
    const { tokens } = await authorizeAndExchange(world, chatgpt, clientId);
    const assertion = await clientAssertion(world, clientId);
    const form = {
      grant_type: 'refresh_token',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    };
    const once = await tokenRequest(world.gatehouse.url, {
      ...form,
      refresh_token: tokens.body.refresh_token,
    });
    expect(once.status).toBe(200);
    const twice = await tokenRequest(world.gatehouse.url, {
      ...form,
      refresh_token: once.body.refresh_token,
    });
    expect(twice.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/already used/),
    });
    const fresh = await tokenRequest(world.gatehouse.url, {
      ...form,
      client_assertion: await clientAssertion(world, clientId),
      refresh_token: once.body.refresh_token,
    });
    expect(fresh.status).toBe(200);
  });

  it('an assertion for a public client is refused, as is a wrong assertion type', async () => {
    const clientId = await registerClient(world, claude);
    const { tokens } = await authorizeAndExchange(world, claude, clientId);
    const asserted = await tokenRequest(world.gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion(world, clientId),
    });
    expect(asserted.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/public client/),
    });
    const wrongType = await exchangeWith((id) => clientAssertion(world, id), {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
    });
    expect(wrongType.body.error).toBe('invalid_client');
  });

  it('a private_key_jwt client cannot fall back to client_id alone, but one that listed none may', async () => {
    const strictId = await registerClient(world, chatgpt);
    const strict = await authorizeAndExchange(world, { ...chatgpt, tokenAuth: 'none' }, strictId);
    expect(strict.tokens.body).toMatchObject({ error: 'invalid_client' });
    const eitherId = await registerClient(world, bothMethods);
    const either = await authorizeAndExchange(world, { ...bothMethods, tokenAuth: 'none' }, eitherId);
    expect(either.tokens.status).toBe(200);
  });

  it('keys at a refused address are never fetched (SSRF guard), and the reason stays off the wire', async () => {
    const profile = {
      ...chatgpt,
      registration: {
        kind: 'cimd' as const,
        path: '/oauth/ssrf/client.json',
        document: {
          ...(chatgpt.registration as { document: object }).document,
          jwks_uri: 'https://10.0.0.7/jwks.json',
        },
      },
    };
    const clientId = await registerClient(world, profile);
    const { tokens } = await authorizeAndExchange(world, profile, clientId);
    expect(tokens.status).toBe(401);
    expect(tokens.body.error).toBe('invalid_client');
    expect(world.connections.some((connection) => connection.includes('10.0.0.7'))).toBe(false);
  });

  it('an oversized key set is refused', async () => {
    const profile = {
      ...chatgpt,
      registration: {
        kind: 'cimd' as const,
        path: '/oauth/huge/client.json',
        document: {
          ...(chatgpt.registration as { document: object }).document,
          jwks_uri: world.documents.serve('/huge/jwks.json', {
            keys: [{ kty: 'RSA', e: 'AQAB', n: 'x'.repeat(70_000) }],
          }),
        },
      },
    };
    const clientId = await registerClient(world, profile);
    const { tokens } = await authorizeAndExchange(world, profile, clientId);
    expect(tokens.body).toMatchObject({
      error: 'invalid_client',
      error_description: expect.stringMatching(/larger than/),
    });
  });
});

describe('metadata and authorization requests', () => {
  it('advertise private_key_jwt with asymmetric algorithms only', async () => {
    const metadata = (await (
      await fetch(`${world.gatehouse.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, string[]>;
    expect(metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toContain('RS256');
    expect(
      metadata.token_endpoint_auth_signing_alg_values_supported?.some((alg) => /^HS|none/.test(alg)),
    ).toBe(false);
  });

  it('prompt=none answers login_required, then consent_required once signed in', async () => {
    const clientId = await registerClient(world, claude);
    const url = authorizeUrl(world.gatehouse.url, {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: claude.redirectUri,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 's1',
      prompt: 'none',
    });
    const browser = createBrowser(world.gatehouse.url);
    const anonymous = new URL((await browser.get(url)).headers.get('location') ?? '');
    expect(anonymous.searchParams.get('error')).toBe('login_required');
    expect(anonymous.searchParams.get('iss')).toBe(world.gatehouse.url);
    await devLogin(browser);
    const signedIn = new URL((await browser.get(url)).headers.get('location') ?? '');
    expect(signedIn.searchParams.get('error')).toBe('consent_required');
    expect(signedIn.searchParams.get('state')).toBe('s1');
  });

  it.each([
    ['javascript:alert(1)//'],
    ['JavaScript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['https-login://evil.example.com/cb'],
    ['http://evil.example.com/cb'],
  ])('registration of %s is refused with invalid_redirect_uri', async (uri) => {
    const response = await fetch(`${world.gatehouse.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'X', redirect_uris: [uri], token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_redirect_uri');
  });

  it('a document with every field hostile gets a clear refusal, never a 500', async () => {
    const url = world.documents.serve('/hostile.json', {
      client_id: 'not-the-url',
      client_name: { toString: 'x' },
      redirect_uris: 'javascript:alert(1)',
      grant_types: [null, 42],
      response_types: {},
      token_endpoint_auth_method: ['none'],
      jwks: 'keys',
      jwks_uri: 'file:///etc/passwd',
      client_uri: 'javascript:x',
      __proto__: { admin: true },
    });
    const page = await fetch(
      `${world.gatehouse.url}${authorizeUrl(world.gatehouse.url, { response_type: 'code', client_id: url })}`,
    );
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('could not be verified');
  });

  it('a refused document is explained to the operator (log, client.refused audit) but not to the wire', async () => {
    const clientId = 'https://10.9.8.7/client.json';
    const page = await fetch(
      `${world.gatehouse.url}${authorizeUrl(world.gatehouse.url, { response_type: 'code', client_id: clientId })}`,
    );
    const html = await page.text();
    expect(html).toContain('could not be fetched');
    expect(html).not.toMatch(/private|10\.9\.8\.7 resolves/);
    const events = await world.gatehouse.database.db
      .selectFrom('audit_events')
      .select(['event', 'client_id', 'reason'])
      .where('event', '=', 'client.refused')
      .execute();
    expect(events).toContainEqual({
      event: 'client.refused',
      client_id: clientId,
      reason: expect.stringMatching(/private/),
    });
    expect(world.gatehouse.logs.text()).toContain('client refused');
  });
});
