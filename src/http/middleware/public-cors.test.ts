import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { plainFromRequest, plainJson } from '../plain';
import { publicCors, withPublicCors } from './public-cors';

const app = new Hono();
app.use('/token', publicCors(['GET', 'POST', 'OPTIONS'], 600));
app.post('/token', (c) => c.json({ ok: true }, 200, { 'cache-control': 'no-store' }));

describe('public CORS', () => {
  it('answers a preflight with the methods, the requested headers and the max age', async () => {
    const res = await app.request('/token', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-headers': 'content-type, mcp-protocol-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, mcp-protocol-version');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it("lets any origin read the handler's answer, which keeps its own headers and body", async () => {
    const res = await app.request('/token', { method: 'POST', headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe('public CORS around a plain handler (the Node front)', () => {
  const served = withPublicCors(['POST', 'OPTIONS'], 600, async () =>
    plainJson(200, { ok: true }, { 'cache-control': 'no-store' }),
  );
  const request = (method: string, headers: Record<string, string> = {}) =>
    plainFromRequest(new Request('http://gatehouse.test/oauth/token', { method, headers }));

  it('answers a preflight the same way, without running the handler', async () => {
    const answer = await served(
      request('OPTIONS', { 'access-control-request-headers': 'content-type, authorization' }),
    );
    expect(answer.status).toBe(204);
    expect(answer.body).toBeUndefined();
    expect(answer.headers).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST,OPTIONS',
      'access-control-max-age': '600',
      'access-control-allow-headers': 'content-type, authorization',
      vary: 'Access-Control-Request-Headers',
    });
  });

  it("adds the origin header to the handler's answer and keeps the rest", async () => {
    const answer = await served(request('POST'));
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toBe('{"ok":true}');
  });
});
