import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../test/support/databases';
import { createSqlEphemeralStore, openDatabase, type SqlDatabase } from '../store';
import { createLogger, createMemoryDestination } from '../telemetry';
import { type AppDeps, type AppEnv, createApp, listen, readJsonObject } from '.';

const databases: SqlDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.close()));
});

const SECRET = 'sup3r-s3cret-value-0123456789';

function testRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/echo', async (c) => c.json({ received: Object.keys(await readJsonObject(c)) }));
  routes.get('/explode', () => {
    throw new Error('database password mismatch at /internal/path.ts:12');
  });
  return routes;
}

async function build(overrides: Partial<AppDeps> & { issuer?: string; maxRequestsPerIp?: number } = {}) {
  const database = openDatabase('sqlite::memory:');
  databases.push(database);
  await database.migrate();
  const destination = createMemoryDestination();
  const clock = createTestClock();
  const app = createApp({
    config: {
      issuer: overrides.issuer ?? 'http://127.0.0.1:8787',
      http: {
        bodyLimitBytes: 1024,
        trustProxyHops: 0,
        allowedOrigins: [],
        rateLimit: {
          enabled: true,
          windowSeconds: 60,
          maxRequestsPerIp: overrides.maxRequestsPerIp ?? 1000,
          maxRequestsPerUser: 1000,
        },
      },
    },
    logger: createLogger({ level: 'debug', destination }),
    ephemeral: createSqlEphemeralStore(database, clock.now),
    ping: overrides.ping ?? database.ping,
    ...(overrides.heapUsage ? { heapUsage: overrides.heapUsage } : {}),
    now: clock.now,
    routes: [testRoutes()],
  });
  return { app, destination, clock };
}

describe('security headers', () => {
  it('are on every response, including 404s; no HSTS on a loopback http issuer', async () => {
    const { app } = await build();
    for (const path of ['/healthz', '/no-such-route']) {
      const res = await app.request(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('include HSTS when the issuer is https', async () => {
    const { app } = await build({ issuer: 'https://gatehouse.example.com' });
    const res = await app.request('/healthz');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });
});

describe('errors', () => {
  it('unknown routes answer 404 JSON', async () => {
    const res = await (await build()).app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', error_description: 'no route for GET /nope' });
  });

  it('malformed JSON answers 400 with an error body', async () => {
    const { app } = await build();
    const res = await app.request('/echo', {
      method: 'POST',
      body: '{"a": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    const notObject = await app.request('/echo', { method: 'POST', body: '[1]' });
    expect(notObject.status).toBe(400);
    const ok = await app.request('/echo', { method: 'POST', body: '{"a":1}' });
    expect(await ok.json()).toEqual({ received: ['a'] });
  });

  it('oversized bodies answer 413', async () => {
    const res = await (await build()).app.request('/echo', {
      method: 'POST',
      body: JSON.stringify({ a: 'x'.repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('unexpected errors answer 500 without internals and are logged with the request id', async () => {
    const { app, destination } = await build();
    const res = await app.request('/explode');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('password');
    expect(text).not.toContain('.ts');
    const requestId = res.headers.get('x-request-id');
    expect(text).toContain(requestId);
    const logged = destination.lines
      .map((line) => JSON.parse(line))
      .find((line) => line.msg === 'unhandled error');
    expect(logged?.requestId).toBe(requestId);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-IP limit, and resets after the window', async () => {
    const { app, clock } = await build({ maxRequestsPerIp: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request('/nope')).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await app.request('/nope');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect((await app.request('/healthz')).status).toBe(200); // health checks are exempt
    clock.advance(60_000);
    expect((await app.request('/nope')).status).toBe(404);
  });
});

describe('health', () => {
  it('/healthz answers while /readyz follows the database', async () => {
    let up = true;
    const { app, destination } = await build({
      ping: async () => {
        if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });
    expect((await app.request('/readyz')).status).toBe(200);
    up = false;
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
    expect((await app.request('/healthz')).status).toBe(200);
    expect(destination.text()).toContain('readiness check failed: database unreachable');
    up = true;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('/readyz answers 503 while the heap is near its limit, and 200 once it is not', async () => {
    const heap = { used: 100, limit: 1000 };
    const { app, destination } = await build({ heapUsage: () => heap });
    expect((await app.request('/readyz')).status).toBe(200);
    heap.used = 920;
    const full = await app.request('/readyz');
    expect(full.status).toBe(503);
    expect(await full.json()).toEqual({ status: 'unavailable', reason: 'heap near its limit' });
    expect(destination.text()).toContain('heap near its limit');
    expect((await app.request('/healthz')).status).toBe(200);
    heap.used = 500;
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('reads the real heap by default, far from its limit in a test process', async () => {
    const { app } = await build();
    expect(await (await app.request('/readyz')).json()).toEqual({ status: 'ready' });
  });
});

describe('request logging over a real socket', () => {
  it('never writes a secret sent in a header, the query string or the body', async () => {
    const { app, destination } = await build();
    const server = await listen(app, '127.0.0.1', 0);
    try {
      await fetch(`${server.url}/echo?access_token=${SECRET}&code=${SECRET}&x=${SECRET}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}`, 'x-api-key': SECRET },
        body: JSON.stringify({ client_secret: SECRET, password: SECRET }),
      });
      await fetch(`${server.url}/explode?token=${SECRET}`, { headers: { authorization: `Basic ${SECRET}` } });
      await fetch(`${server.url}/echo`, { method: 'POST', body: `{"refresh_token":"${SECRET}"` });
    } finally {
      await server.close();
    }
    const text = destination.text();
    expect(destination.lines.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('"path":"/echo"');
    expect(text).toContain('"queryNames":["access_token","code","x"]');
    expect(text).not.toContain(SECRET);
  });
});
