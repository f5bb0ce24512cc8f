import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { publicCors } from './public-cors';

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
