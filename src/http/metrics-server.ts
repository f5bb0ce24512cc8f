import { Hono } from 'hono';
import type { Metrics } from '../telemetry';
import { listen, type RunningServer } from './serve';

/**
 * Prometheus metrics on a listener of their own (`metrics.host:port`, loopback by default): they name
 * endpoints, tools and traffic, which the public port has no reason to show.
 */
export function listenMetrics(metrics: Metrics, host: string, port: number): Promise<RunningServer> {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.scrape();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
  app.notFound((c) => c.text('metrics are at /metrics\n', 404));
  return listen(app, host, port);
}
