import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpUpstream } from './http-upstream';
import { sseAnswerState } from './sse';
import { UpstreamTimeout } from './upstream';
import { UpstreamBodyError } from './upstream-body';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A loopback server the test scripts; it records what it received. */
async function upstreamServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: Array<{ method?: string; headers: IncomingMessage['headers']; body: string }> = [];
  let closedEarly = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
      });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream = httpUpstream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  closers.push(() => {
    upstream.close();
    server.closeAllConnections();
    server.close();
  });
  return { upstream, received, closedEarly: () => closedEarly };
}

const call = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"id":1}',
  timeoutMs: 2000,
};

describe('the HTTP upstream', () => {
  it('forwards method, headers and body, and reads a JSON answer whole over a kept-alive connection', async () => {
    const { upstream, received } = await upstreamServer((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
      res.end(body.replace('1', '2'));
    });
    const first = await upstream.call(call);
    expect(first.status).toBe(200);
    expect(first.header('mcp-session-id')).toBe('s1');
    expect(first.header('x-missing')).toBeNull();
    expect(new TextDecoder().decode(await first.read(1000, 1000))).toBe('{"id":2}');
    await (await upstream.call(call)).read(1000, 1000);
    expect(received[0]).toMatchObject({ method: 'POST', body: '{"id":1}' });
    expect(received[0]?.headers['content-length']).toBe('8');
    expect(received[1]?.headers.connection).toBe('keep-alive');
  });

  it('streams an SSE answer, ended after the idle timeout', async () => {
    const { upstream } = await upstreamServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"progress":1}\n\n');
    });
    const body = (await upstream.call(call)).stream(80);
    expect(body).toBeInstanceOf(ReadableStream);
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('progress');
    await expect(reader?.read()).rejects.toThrow(/sent nothing for 0.08 s/);
  });

  it('hands on an SSE answer that came whole with its headers as bytes, without a stream', async () => {
    const { upstream } = await upstreamServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: message\ndata: {"result":{}}\n\n');
    });
    const body = (await upstream.call(call)).stream(80);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('event: message\ndata: {"result":{}}\n\n');
  });

  it('streams what came first, then the rest as it comes', async () => {
    const { upstream } = await upstreamServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 30);
    });
    const body = (await upstream.call(call)).stream(1000) as ReadableStream<Uint8Array>;
    expect(await new Response(body).text()).toBe('data: 1\n\ndata: 2\n\n');
  });

  describe('an SSE answer to a POST, with the request ids it must answer', () => {
    const answering = { ...call, answerState: (text: string) => sseAnswerState(text, new Set([1])) };

    it('is held until the response is in, then handed on as bytes; the connection is reused', async () => {
      const { upstream, received } = await upstreamServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        // The response comes in a later packet, and the stream ends later still.
        setTimeout(() => res.write('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n'), 20);
        setTimeout(() => res.end(), 60);
      });
      const body = (await upstream.call(answering)).stream(1000);
      expect(body).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(body as Uint8Array)).toContain('"id":1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await (await upstream.call(answering)).read(1000, 1000);
      expect(received[1]?.headers.connection).toBe('keep-alive');
    });

    it('streams at once when an event is not the response (an elicitation must reach the client now)', async () => {
      const { upstream } = await upstreamServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(
          () => res.write('data: {"jsonrpc":"2.0","id":"e1","method":"elicitation/create","params":{}}\n\n'),
          20,
        );
      });
      const started = Date.now();
      const body = (await upstream.call(answering)).stream(1000);
      expect(Date.now() - started).toBeLessThan(500);
      expect(body).toBeInstanceOf(ReadableStream);
      const reader = (body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('elicitation/create');
      await reader.cancel();
    });

    it('streams what it has when the response does not come within the timeout', async () => {
      const { upstream } = await upstreamServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
      });
      const started = Date.now();
      const body = (await upstream.call({ ...answering, timeoutMs: 80 })).stream(80);
      expect(Date.now() - started).toBeGreaterThanOrEqual(70);
      expect(body).toBeInstanceOf(ReadableStream);
      await expect((body as ReadableStream<Uint8Array>).getReader().read()).rejects.toThrow(/sent nothing/);
    });

    it('reports an upstream that drops the connection while the answer is held', async () => {
      const { upstream } = await upstreamServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(() => res.destroy(), 20);
      });
      const reply = await upstream.call(answering).catch((error: unknown) => error);
      const outcome =
        reply instanceof Error
          ? reply
          : await (reply as { read: (m: number, t: number) => Promise<unknown> })
              .read(1000, 1000)
              .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(Error);
    });
  });

  it('gives up on a silent upstream, and drops the connection', async () => {
    const { upstream, closedEarly } = await upstreamServer(() => {});
    await expect(upstream.call({ ...call, timeoutMs: 60 })).rejects.toBeInstanceOf(UpstreamTimeout);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly()).toBe(1);
  });

  it('refuses an answer over the cap and one that stalls after its headers', async () => {
    const big = await upstreamServer((_req, res) => res.end('x'.repeat(5000)));
    await expect((await big.upstream.call(call)).read(1000, 1000)).rejects.toMatchObject({
      kind: 'too-large',
    });
    const stalled = await upstreamServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":');
    });
    const reading = (await stalled.upstream.call(call)).read(1000, 60);
    await expect(reading).rejects.toBeInstanceOf(UpstreamBodyError);
    await expect(reading).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('never follows a redirect', async () => {
    const { upstream, received } = await upstreamServer((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    });
    const answer = await upstream.call(call);
    expect(answer.status).toBe(302);
    expect(received).toHaveLength(1);
  });

  it('reports a refused connection with its code', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const upstream = httpUpstream(`http://127.0.0.1:${port}/mcp`);
    closers.push(() => upstream.close());
    await expect(upstream.call(call)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('abandons the upstream call when the caller leaves', async () => {
    const { upstream, closedEarly } = await upstreamServer(() => {});
    const caller = new AbortController();
    const pending = upstream.call({ ...call, callerSignal: caller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    caller.abort(new Error('caller gone'));
    await expect(pending).rejects.toThrow('caller gone');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly()).toBe(1);
  });
});
