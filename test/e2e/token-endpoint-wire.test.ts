/**
 * The token endpoint as a client reaches it over the wire (served by the Node front): CORS, headers,
 * the refusals of malformed requests, and a method it does not take left to the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

let gh: TestGatehouse;
beforeAll(async () => {
  gh = await startTestGatehouse({
    clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: ['http://127.0.0.1:9/cb'] }],
    http: { bodyLimitBytes: 2048, rateLimit: { maxRequestsPerIp: 100_000 } },
  });
});
afterAll(async () => {
  await gh?.close();
});

const token = (body: string, headers: Record<string, string> = {}) =>
  fetch(new URL('/oauth/token', gh.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://app.example',
      ...headers,
    },
    body,
  });

describe('the token endpoint over the wire', () => {
  it('answers a CORS preflight from any origin', async () => {
    const res = await fetch(new URL('/oauth/token', gh.url), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, mcp-protocol-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, mcp-protocol-version');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses an unknown code with an OAuth error, never cached, readable cross-origin, with the security headers', async () => {
    const res = await token(
      'grant_type=authorization_code&code=nope&code_verifier=x&client_id=cli&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb',
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body that is not a form, and a repeated parameter (RFC 6749 §3.2)', async () => {
    const json = await token('{"grant_type":"refresh_token"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
    const repeated = await token('grant_type=refresh_token&grant_type=authorization_code&client_id=cli');
    expect(repeated.status).toBe(400);
    expect((await repeated.json()).error_description).toContain('more than once');
  });

  it('answers failed HTTP client authentication with a 401 Basic challenge (RFC 6749 §5.2)', async () => {
    const res = await token('grant_type=refresh_token&refresh_token=x', {
      authorization: `Basic ${Buffer.from('nobody:wrong-secret').toString('base64')}`,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="gatehouse"');
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses an oversized body with a JSON 413, and leaves GET to the app (404)', async () => {
    const big = await token(`grant_type=refresh_token&refresh_token=${'x'.repeat(4000)}`);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'invalid_request' });
    const get = await fetch(new URL('/oauth/token', gh.url));
    expect(get.status).toBe(404);
    expect(await get.json()).toMatchObject({ error: 'not_found' });
  });
});
