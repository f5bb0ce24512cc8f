import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http';
import { createSqlEphemeralStore, openDatabase } from '../../src/store';
import { createLogger, createMemoryDestination } from '../../src/telemetry';
import { postgresUrl } from '../support/databases';
import { startTcpProxy } from '../support/tcp-proxy';

describe.skipIf(!postgresUrl)('readiness against PostgreSQL going away and coming back', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('/readyz answers 503 while the database is unreachable and 200 once it returns', async () => {
    const target = new URL(postgresUrl ?? '');
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(postgresUrl ?? '');
    viaProxy.port = String(proxy.port);
    const database = openDatabase(viaProxy.toString(), { poolSize: 2 });
    cleanups.push(
      () => proxy.cut(),
      () => database.close(),
    );

    const destination = createMemoryDestination();
    const app = createApp({
      config: {
        issuer: 'http://127.0.0.1:8787',
        http: {
          bodyLimitBytes: 65536,
          trustProxyHops: 0,
          allowedOrigins: [],
          rateLimit: { enabled: false, windowSeconds: 60, maxRequestsPerIp: 1, maxRequestsPerUser: 1 },
        },
      },
      logger: createLogger({ level: 'info', destination }),
      ephemeral: createSqlEphemeralStore(database),
      ping: database.ping,
      now: Date.now,
    });

    expect((await app.request('/readyz')).status).toBe(200);
    await proxy.cut();
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    expect(destination.text()).toContain('database unreachable');
    expect((await app.request('/healthz')).status).toBe(200);

    await proxy.restore();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      status = (await app.request('/readyz')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
