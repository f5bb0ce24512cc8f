import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';
import { rateLimited, responseFrom } from '../plain';
import type { RateLimiter } from '../rate-limiter';

/** Per-IP limit on every route except the exempt ones (load balancer health checks). */
export function rateLimitPerIp(limiter: RateLimiter, exempt: ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (exempt.has(c.req.path)) return next();
    const decision = await limiter.hit(`rl:ip:${c.get('clientIp')}`);
    if (decision.allowed) return next();
    return responseFrom(rateLimited(decision.retryAfterSeconds));
  };
}
