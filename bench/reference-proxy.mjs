// The floor a Node proxy can reach: node:http in, node:http out over a keep-alive agent, no auth, no
// parsing. Run as its own process by the gateway bench: node bench/reference-proxy.mjs <port> <upstream-url>
import { Agent, createServer, request } from 'node:http';

const [port, upstreamUrl] = process.argv.slice(2);
const upstream = new URL(upstreamUrl);
const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });

createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on('data', (chunk) => chunks.push(chunk));
  incoming.on('end', () => {
    const body = Buffer.concat(chunks);
    const forwarded = request(
      upstream,
      {
        method: incoming.method,
        agent,
        headers: {
          'content-type': incoming.headers['content-type'] ?? 'application/json',
          accept: incoming.headers.accept ?? '*/*',
          'content-length': body.byteLength,
        },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
        });
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    forwarded.end(body);
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`reference proxy listening on ${port}`));
