import { Hono } from 'hono';
import type { AppEnv } from './context';

const READY_TIMEOUT_MS = 2000;

/** `/healthz`: the process answers. `/readyz`: the database answers too (503 otherwise, so a balancer skips us). */
export function healthRoutes(ping: () => Promise<void>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await withTimeout(ping(), READY_TIMEOUT_MS);
      return c.json({ status: 'ready' });
    } catch (error) {
      c.get('log').error({ err: error }, 'readiness check failed: database unreachable');
      return c.json({ status: 'unavailable', reason: 'database unreachable' }, 503);
    }
  });
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
