import { getHeapStatistics } from 'node:v8';
import { Hono } from 'hono';
import type { AppEnv } from './context';

const READY_TIMEOUT_MS = 2000;
/** Past this share of the heap limit a process is taken out of rotation before it runs out of heap. */
export const HEAP_PRESSURE_RATIO = 0.9;

export interface HeapUsage {
  used: number;
  limit: number;
}

export function nodeHeapUsage(): HeapUsage {
  const stats = getHeapStatistics();
  return { used: stats.used_heap_size, limit: stats.heap_size_limit };
}

/** Whether the heap is so close to its limit that the process should take no new traffic. */
export function heapUnderPressure(heap: HeapUsage): boolean {
  return heap.limit > 0 && heap.used / heap.limit >= HEAP_PRESSURE_RATIO;
}

/**
 * `/healthz`: the process answers. `/readyz`: the database answers too and the heap is not near its
 * limit (503 otherwise, so a balancer skips us; `/healthz` stays 200 so a slow GC is not a restart).
 */
export function healthRoutes(
  ping: () => Promise<void>,
  heapUsage: () => HeapUsage = nodeHeapUsage,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const heap = heapUsage();
    if (heapUnderPressure(heap)) {
      const mb = (bytes: number) => Math.round(bytes / 1048576);
      c.get('log').error(
        { heapUsedMb: mb(heap.used), heapLimitMb: mb(heap.limit) },
        'readiness check failed: heap near its limit',
      );
      return c.json({ status: 'unavailable', reason: 'heap near its limit' }, 503);
    }
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
