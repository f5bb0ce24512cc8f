import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './tls';

/** An https server on loopback that serves client metadata documents the test sets per path. */
export async function startCimdServer() {
  const tls = selfSignedCertificate();
  const documents = new Map<string, { body: string; status?: number; cacheControl?: string }>();
  let hits = 0;
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    hits++;
    const doc = documents.get(req.url ?? '');
    if (!doc) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(doc.status ?? 200, {
      'content-type': 'application/json',
      ...(doc.cacheControl ? { 'cache-control': doc.cacheControl } : {}),
    });
    res.end(doc.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ca: tls.cert,
    base: `https://localhost:${port}`,
    get hits() {
      return hits;
    },
    serve(path: string, body: unknown, options: { status?: number; cacheControl?: string } = {}) {
      documents.set(path, { body: typeof body === 'string' ? body : JSON.stringify(body), ...options });
      return `https://localhost:${port}${path}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
