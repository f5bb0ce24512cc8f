import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The redirect target of a native app (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 on an ephemeral port.
 * It accepts one authorization response for the state it is told to expect; anything else gets a 400 and
 * is ignored, so a stray or forged request cannot end the wait.
 */
export interface LoopbackCallback {
  readonly redirectUrl: string;
  /**
   * Starts accepting the authorization response carrying `state` (call it before sending the user to the
   * authorization server: an already signed-in browser may come back at once) and resolves with it.
   */
  expect(state: string, timeoutMs: number): Promise<URLSearchParams>;
  /**
   * The same response pasted by hand (the browser ran on another machine, so it could not reach this
   * listener): accepted only for a state being waited for, and only on this callback path.
   */
  deliverPasted(callbackUrl: string): boolean;
  close(): Promise<void>;
}

const PAGE = (message: string) =>
  `<!doctype html><meta charset="utf-8"><title>Gatehouse client</title><p>${message}</p>`;

export async function startLoopbackCallback(): Promise<LoopbackCallback> {
  const waiting = new Map<string, (params: URLSearchParams) => void>();
  /** who waits for this response: only on the callback path, only for a state being waited for */
  const waiterFor = (url: URL) =>
    url.pathname === '/callback' ? waiting.get(url.searchParams.get('state') ?? '') : undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const deliver = waiterFor(url);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    if (!deliver) {
      res
        .writeHead(400)
        .end(PAGE('This is not the authorization response the Gatehouse client is waiting for.'));
      return;
    }
    const failed = url.searchParams.has('error');
    res
      .writeHead(200)
      .end(
        PAGE(
          failed
            ? 'Authorization was not granted. You can close this window.'
            : 'Signed in. You can close this window.',
        ),
      );
    deliver(url.searchParams);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUrl: `http://127.0.0.1:${port}/callback`,
    expect(state, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(state);
          reject(
            new Error(
              `no authorization response reached ${`http://127.0.0.1:${port}/callback`} within ${Math.round(timeoutMs / 1000)} s`,
            ),
          );
        }, timeoutMs);
        waiting.set(state, (params) => {
          clearTimeout(timer);
          waiting.delete(state);
          resolve(params);
        });
      });
    },
    deliverPasted(callbackUrl) {
      let url: URL;
      try {
        url = new URL(callbackUrl.trim());
      } catch {
        return false;
      }
      const deliver = waiterFor(url);
      deliver?.(url.searchParams);
      return deliver !== undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
