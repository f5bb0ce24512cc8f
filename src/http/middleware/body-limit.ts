import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * 413 with a JSON body beyond the limit; checked on Content-Length and while streaming.
 * A body announced with a Content-Length is judged by that header alone (the HTTP parser never delivers
 * more than it announces); only a chunked body is counted as it streams. Touching the body stream would
 * make the Node adapter build a full Request (a large share of a proxied call's cost), so neither a
 * bodiless method nor an announced length does.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = (c: Parameters<MiddlewareHandler>[0]) =>
    c.json(
      { error: 'invalid_request', error_description: `request body larger than ${maxBytes} bytes` },
      413,
    );
  const limit = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    if (NO_BODY.has(c.req.method)) return next();
    const announced = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    // RFC 9112 §6.3: a request off the wire with neither header has no body. (A Request made in process,
    // as app.request does, carries a body without announcing it: counted below.)
    const offTheWire = (c.env as { incoming?: unknown } | undefined)?.incoming !== undefined;
    if (offTheWire && announced === undefined && !chunked) return next();
    if (announced !== undefined && /^\d+$/.test(announced) && !chunked)
      return Number(announced) > maxBytes ? tooLarge(c) : next();
    return limit(c, next);
  };
}
