import { request as httpRequest } from 'node:http';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../test/support/databases';
import { createSqlEphemeralStore, openDatabase } from '../store';
import { createLogger, createMemoryDestination } from '../telemetry';
import { type AppEnv, createApp, createRateLimiter, listen, type RunningServer } from '.';
import { createNodeFront, type FrontRoute } from './node-front';
import { plainJson } from './plain';

const running: RunningServer[] = [];
afterAll(async () => {
  for (const server of running) await server.close();
});

/** The Hono app (one route of its own) behind a Node front serving `/mcp` with `route`. */
async function start(
  route: FrontRoute['serve'],
  options: { maxRequestsPerIp?: number; methods?: string[] } = {},
) {
  const database = openDatabase('sqlite::memory:');
  await database.migrate();
  const destination = createMemoryDestination();
  const logger = createLogger({ level: 'info', destination });
  const clock = createTestClock();
  const ipLimiter = createRateLimiter(createSqlEphemeralStore(database, clock.now), {
    windowMs: 60_000,
    max: options.maxRequestsPerIp ?? 1000,
    now: clock.now,
  });
  const http = {
    bodyLimitBytes: 1024,
    trustProxyHops: 0,
    allowedOrigins: [],
    rateLimit: { enabled: true, windowSeconds: 60, maxRequestsPerIp: 1000, maxRequestsPerUser: 1000 },
  };
  const other = new Hono<AppEnv>();
  other.get('/other', (c) => c.json({ from: 'app' }));
  const app = createApp({
    config: { issuer: 'https://gatehouse.example', http },
    logger,
    ephemeral: createSqlEphemeralStore(database, clock.now),
    ping: database.ping,
    now: clock.now,
    ipLimiter,
    routes: [other],
  });
  const front = createNodeFront({
    issuer: 'https://gatehouse.example',
    logger,
    trustProxyHops: 0,
    bodyLimitBytes: 1024,
    ipLimiter,
    routes: [{ path: '/mcp', serve: route, ...(options.methods ? { methods: options.methods } : {}) }],
  });
  const server = await listen(app, '127.0.0.1', 0, front);
  running.push(server);
  return { url: server.url, destination, close: () => ipLimiter.close() };
}

const echo: FrontRoute['serve'] = async (request, ip) =>
  plainJson(200, {
    method: request.method,
    path: request.path,
    body: request.body ?? null,
    accept: request.header('accept') ?? null,
    names: [...request.headers()].map(([name]) => name),
    ip,
  });

describe('the Node front', () => {
  it('serves its routes with the request id and the security headers every route has', async () => {
    const { url, destination } = await start(echo);
    const res = await fetch(`${url}/mcp?code=secret-value`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '\uFEFF{"jsonrpc":"2.0"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      method: 'POST',
      path: '/mcp',
      body: '{"jsonrpc":"2.0"}',
      accept: 'application/json',
      ip: '127.0.0.1',
    });
    const app = await fetch(`${url}/other`);
    expect(await app.json()).toEqual({ from: 'app' });
    // The same security headers as the app's own routes, HSTS included (an https issuer).
    for (const name of [
      'content-security-policy',
      'strict-transport-security',
      'x-frame-options',
      'referrer-policy',
      'x-content-type-options',
    ])
      expect(res.headers.get(name)).toBe(app.headers.get(name));
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // One log line, with the query's names and never its values.
    const line = destination.lines
      .map((text) => JSON.parse(text))
      .find((entry) => entry.msg === 'request' && entry.path === '/mcp');
    expect(line).toMatchObject({ method: 'POST', status: 200, queryNames: ['code'] });
    expect(line.requestId).toBe(res.headers.get('x-request-id'));
    expect(destination.text()).not.toContain('secret-value');
  });

  it('refuses a body over the limit, announced or streamed, with a JSON 413 (the route never runs)', async () => {
    let ran = 0;
    const { url } = await start(async (request, ip, log) => {
      ran++;
      return echo(request, ip, log);
    });
    const announced = await fetch(`${url}/mcp`, { method: 'POST', body: 'x'.repeat(2000) });
    expect(announced.status).toBe(413);
    expect(await announced.json()).toMatchObject({ error: 'invalid_request' });
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/mcp`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Chunked (no Content-Length): counted as it comes.
      for (let i = 0; i < 5; i++) req.write('y'.repeat(500));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(ran).toBe(0);
  });

  it('counts its requests against the per-IP limit it shares with the app', async () => {
    const { url, close } = await start(echo, { maxRequestsPerIp: 3 });
    const statuses = [];
    for (const path of ['/mcp', '/other', '/mcp', '/mcp', '/other'])
      statuses.push((await fetch(`${url}${path}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await fetch(`${url}/mcp`);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    close();
  });

  it('answers an unexpected error with a 500 that names the request id and nothing else', async () => {
    const { url, destination } = await start(async () => {
      throw new Error('database password mismatch at /internal/path.ts:12');
    });
    const res = await fetch(`${url}/mcp`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('password');
    expect(text).toContain(res.headers.get('x-request-id'));
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(destination.text()).toContain('unhandled error');
  });

  it('passes a stream on as it comes, and cancels it when the caller goes away', async () => {
    let cancelled = false;
    const { url } = await start(async () => ({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('data: 1\n\n'));
        },
        cancel() {
          cancelled = true;
        },
      }),
    }));
    const caller = new AbortController();
    const res = await fetch(`${url}/mcp`, { signal: caller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    caller.abort();
    await expect.poll(() => cancelled).toBe(true);
  });

  it('tells the route when the caller goes away before its answer', async () => {
    let abandoned: unknown;
    const { url } = await start(
      (request) =>
        new Promise((resolve) => {
          request.signal?.addEventListener('abort', () => {
            abandoned = request.signal?.reason;
            resolve(plainJson(200, {}));
          });
        }),
    );
    const caller = new AbortController();
    const pending = fetch(`${url}/mcp`, { method: 'POST', body: '{}', signal: caller.signal }).catch(
      () => 'gone',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    caller.abort();
    expect(await pending).toBe('gone');
    await expect.poll(() => String(abandoned)).toContain('the caller went away');
  });

  it('leaves every other path, and paths below its routes, to the app', async () => {
    const { url } = await start(echo);
    expect((await fetch(`${url}/mcp/below`)).status).toBe(404);
    expect((await fetch(`${url}/other?x=1`)).status).toBe(200);
  });

  it('leaves a method its route does not take to the app', async () => {
    const { url } = await start(echo, { methods: ['POST'] });
    expect((await fetch(`${url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(200);
    const other = await fetch(`${url}/mcp`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: 'not_found' });
  });
});
