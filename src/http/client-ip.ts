import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The caller's address. With `trustProxyHops` = N, the Nth entry from the right of X-Forwarded-For
 * (each trusted proxy appends the address it saw); never the leftmost, which the client controls.
 */
export function clientAddress(
  socketAddress: string,
  forwardedFor: string | undefined,
  trustProxyHops: number,
): string {
  if (trustProxyHops === 0) return socketAddress;
  const forwarded = (forwardedFor ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - trustProxyHops] ?? forwarded[0] ?? socketAddress;
}

/** The caller's address of a request Hono serves. */
export function clientIp(c: Context, trustProxyHops: number): string {
  // An in-process request (the playground calling Gatehouse's own endpoints) carries the address of the
  // browser it acts for; only code in this process can set `env`, the Node adapter sets it per socket.
  const env = c.env as { inProcessClientIp?: unknown } | undefined;
  if (typeof env?.inProcessClientIp === 'string') return env.inProcessClientIp;
  let socketAddress = 'unknown';
  try {
    socketAddress = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // no socket (in-process requests in tests)
  }
  return clientAddress(socketAddress, c.req.header('x-forwarded-for'), trustProxyHops);
}
