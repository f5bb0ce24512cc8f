import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger, Metrics, Tracing } from '../../telemetry';
import { clientIp } from '../client-ip';
import { type AppEnv, lazyRequestLog } from '../context';

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Gives each request an id (echoed as X-Request-Id) and a child logger, and logs one line when it ends:
 * method, path and the names (never the values) of query parameters.
 */
export function requestContext(
  logger: Logger,
  trustProxyHops: number,
  metrics: Metrics,
  tracing: Tracing,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    // A correlation id, not a secret: randomUUID is fast and unique enough.
    const requestId = crypto.randomUUID();
    const ip = clientIp(c, trustProxyHops);
    const log = lazyRequestLog(logger, requestId);
    c.set('requestId', requestId);
    c.set('clientIp', ip);
    c.set('log', log);
    // Set before the handler runs: changing headers of a finished response makes the Node adapter copy it.
    c.header('X-Request-Id', requestId);
    const span = tracing.enabled
      ? tracing.start(
          `${c.req.method} ${c.req.path}`,
          { traceparent: c.req.header('traceparent'), tracestate: c.req.header('tracestate') },
          { 'http.request.method': c.req.method, 'url.path': c.req.path },
        )
      : undefined;
    await next();
    if (span) {
      span.set({ 'http.route': routePath(c) });
      span.end(c.res.status);
    }
    // A Response the handler built itself does not carry what was set before (see security-headers.ts).
    if (!c.res.headers.has('x-request-id')) c.res.headers.set('X-Request-Id', requestId);
    const path = c.req.path;
    if (metrics.enabled) {
      // The route's pattern, not the path: one series per route whatever ids a path carries.
      const route = routePath(c);
      metrics.request(
        route === '*' || route === '/*' || route === '' ? 'other' : route,
        c.req.method,
        c.res.status,
        (performance.now() - started) / 1000,
      );
    }
    const quiet = QUIET_PATHS.has(path);
    if (!logger.isLevelEnabled(quiet ? 'debug' : 'info')) return;
    const line = {
      method: c.req.method,
      path,
      queryNames: Object.keys(c.req.queries()),
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ip,
    };
    if (quiet) log.debug(line, 'request');
    else log.info(line, 'request');
  };
}
