import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { GatehouseConfig } from '../config';
import type { EphemeralStore } from '../store';
import { type Logger, type Metrics, noMetrics, noTracing, type Tracing } from '../telemetry';
import type { AppEnv } from './context';
import { HttpError } from './errors';
import { type HeapUsage, healthRoutes } from './health';
import { limitBody } from './middleware/body-limit';
import { rateLimitPerIp } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { securityHeaders } from './middleware/security-headers';
import { createRateLimiter, type RateLimiter } from './rate-limiter';

export interface AppDeps {
  config: Pick<GatehouseConfig, 'issuer' | 'http'>;
  logger: Logger;
  /** request counts and latencies per route (default: none) */
  metrics?: Metrics;
  /** a span per request (default: none) */
  tracing?: Tracing;
  ephemeral: EphemeralStore;
  /** Resolves when the database answers. */
  ping: () => Promise<void>;
  /** The heap in use and its limit, for `/readyz` (default: this process's V8 heap). */
  heapUsage?: () => HeapUsage;
  now: () => number;
  /** Each concern's sub-app, mounted at the root in order. */
  routes?: ReadonlyArray<Hono<AppEnv>>;
  /** the per-IP limit, shared with the Node front; made here when absent and rate limiting is on */
  ipLimiter?: RateLimiter | undefined;
  /** Registers cleanup to run when the server stops (timers). */
  onClose?: (cleanup: () => void) => void;
}

const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger } = deps;
  const app = new Hono<AppEnv>();

  app.use(
    requestContext(logger, config.http.trustProxyHops, deps.metrics ?? noMetrics, deps.tracing ?? noTracing),
  );
  app.use(securityHeaders(config.issuer));
  if (config.http.rateLimit.enabled) {
    let limiter = deps.ipLimiter;
    if (!limiter) {
      const own = createRateLimiter(deps.ephemeral, {
        windowMs: config.http.rateLimit.windowSeconds * 1000,
        max: config.http.rateLimit.maxRequestsPerIp,
        now: deps.now,
        onStoreError: (error) =>
          logger.warn({ err: error }, 'rate-limit store unavailable; counting locally'),
      });
      deps.onClose?.(() => own.close());
      limiter = own;
    }
    app.use(rateLimitPerIp(limiter, HEALTH_PATHS));
  }
  app.use(limitBody(config.http.bodyLimitBytes));

  app.route('/', healthRoutes(deps.ping, deps.heapUsage));
  for (const routes of deps.routes ?? []) app.route('/', routes);

  app.notFound((c) =>
    c.json({ error: 'not_found', error_description: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );

  // The error boundary: known errors keep their status; anything else is logged with the request id
  // and answered without internals.
  app.onError((error, c) => {
    if (error instanceof HttpError) return c.json(error.toBody(), error.status);
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(
        { error: 'invalid_request', error_description: error.message || 'bad request' },
        error.status,
      );
    }
    const requestId = c.get('requestId');
    (c.get('log') ?? logger).error({ err: error }, 'unhandled error');
    return c.json(
      { error: 'server_error', error_description: `internal error; request id ${requestId ?? 'unknown'}` },
      500,
    );
  });
  return app;
}
