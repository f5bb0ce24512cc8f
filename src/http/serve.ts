import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Env, Hono } from 'hono';
import type { NodeFront } from './node-front';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a Hono app on Node, behind `front` when given (it takes the requests it serves itself); resolves
 * once the socket listens. Port 0 picks a free port.
 */
export function listen<E extends Env>(
  app: Hono<E>,
  host: string,
  port: number,
  front?: NodeFront,
): Promise<RunningServer> {
  const toApp = getRequestListener(app.fetch as Parameters<typeof getRequestListener>[0], { hostname: host });
  return new Promise((resolve, reject) => {
    const server = createServer((incoming, outgoing) => {
      if (!front?.(incoming, outgoing)) void toApp(incoming, outgoing);
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      const info = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
