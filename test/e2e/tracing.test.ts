import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoUpstream } from '../../src/demo/upstream';
import { listen } from '../../src/http';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { callToolRaw } from '../support/mcp-call';
import { accessTokenThroughPages, createBrowser, devLogin } from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/callback';
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
/** The caller's own trace context. */
const CALLER = { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` };

/** An OTLP/HTTP collector on loopback that keeps what it is sent (JSON). */
async function startCollector() {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
}

/** OTLP/JSON ids are hex; accept base64 too (the protobuf-to-JSON mapping). */
const hex = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

describe('OpenTelemetry traces', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let upstream: Awaited<ReturnType<typeof listen>>;
  let gatehouse: TestGatehouse;
  const seen: Array<{ header: string | undefined; meta: unknown }> = [];

  beforeAll(async () => {
    collector = await startCollector();
    const demo = createDemoUpstream();
    const app = new Hono();
    app.all('/mcp', async (c) => {
      const body =
        c.req.method === 'POST' ? ((await c.req.raw.clone().json()) as { params?: { _meta?: unknown } }) : {};
      seen.push({ header: c.req.header('traceparent'), meta: body.params?._meta });
      return demo.fetch(c.req.raw);
    });
    upstream = await listen(app, '127.0.0.1', 0);
    gatehouse = await startTestGatehouse({
      tracing: { enabled: true, endpoint: collector.url, serviceName: 'gatehouse-test' },
      resources: [
        {
          path: '/mcp',
          name: 'Traced',
          scopes: [{ name: 'mcp:tools', description: 'Use the tools' }],
          upstream: { url: `${upstream.url}/mcp` },
        },
      ],
      clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT] }],
      // The same upstream through the hub, its tools under their own names.
      hub: {
        enabled: true,
        catalog: [
          {
            slug: 'traced',
            name: 'Traced',
            url: `${upstream.url}/mcp`,
            auth: { type: 'none' },
            toolPrefix: 'none',
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await collector?.close();
  });

  it("continues the caller's trace through Gatehouse to the upstream (header and MCP _meta) and exports the span", async () => {
    const token = await accessTokenThroughPages(gatehouse.url, { clientId: 'cli', redirectUri: REDIRECT });
    const answer = await callToolRaw(`${gatehouse.url}/mcp`, token, 'echo', { text: 'traced' }, CALLER);
    expect(await answer.text()).toContain('traced');

    const call = seen.at(-1);
    const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(call?.header ?? '') ?? [];
    expect(traceId).toBe(CLIENT_TRACE);
    expect(spanId).not.toBe(CLIENT_SPAN);
    expect(call?.meta).toEqual({ traceparent: call?.header });

    // Through the hub as well: the upstream joins the same trace, under the hub request's span.
    const browser = createBrowser(gatehouse.url);
    await devLogin(browser, 'tracer@example.com');
    const hubPat = await createHubPat(browser, 'traced');
    const hubAnswer = await callToolRaw(
      `${gatehouse.url}/hub/mcp`,
      hubPat,
      'echo',
      { text: 'via the hub' },
      CALLER,
    );
    expect(await hubAnswer.text()).toContain('via the hub');
    const viaHub = seen.at(-1);
    expect(viaHub?.header).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-01$`));
    expect(viaHub?.header).not.toBe(call?.header);
    expect(viaHub?.meta).toEqual({ traceparent: viaHub?.header });

    await gatehouse.close(); // exports what is buffered
    const spans = collector.bodies.flatMap((body) =>
      (body as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans.flatMap(
        (resource) => resource.scopeSpans.flatMap((scope) => scope.spans),
      ),
    );
    const span = spans.find((candidate) => hex(candidate.spanId) === spanId);
    expect(span).toBeDefined();
    expect(hex(span?.traceId ?? '')).toBe(CLIENT_TRACE);
    expect(hex(span?.parentSpanId ?? '')).toBe(CLIENT_SPAN);
    expect(span?.name).toBe('POST /mcp');
    const attribute = (key: string) => span?.attributes.find((entry) => entry.key === key)?.value;
    expect(attribute('mcp.method.name')?.stringValue).toBe('tools/call');
    expect(attribute('gen_ai.tool.name')?.stringValue).toBe('echo');
    expect(Number(attribute('http.response.status_code')?.intValue)).toBe(200);
    // The pages and the token endpoint are traced too (new traces: the test sent them no traceparent).
    expect(spans.some((candidate) => candidate.name === 'POST /oauth/token')).toBe(true);
    expect(spans.some((candidate) => candidate.name.startsWith('GET /oauth/authorize'))).toBe(true);
  });
});
