import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * 413 with a JSON body beyond the limit; checked on Content-Length and while streaming.
 * Skipped for bodiless methods: touching the body there would make the Node adapter build a full Request.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        { error: 'invalid_request', error_description: `request body larger than ${maxBytes} bytes` },
        413,
      ),
  });
  return (c, next) => (NO_BODY.has(c.req.method) ? next() : limit(c, next));
}
