import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { callToolRaw, listTools } from '../support/mcp-call';
import { tokenRequest, tokensThroughPages } from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/callback';

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    const present = inside.split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('Prometheus metrics after a real flow', () => {
  let gatehouse: TestGatehouse;
  let metricsUrl: string;
  beforeAll(async () => {
    const closedPort = await freePort();
    gatehouse = await startTestGatehouse({
      metrics: { enabled: true, port: 0 },
      http: { rateLimit: { maxRequestsPerIp: 100_000, maxRequestsPerUser: 30 } },
      resources: [
        { path: '/mcp', name: 'Demo MCP', scopes: [{ name: 'mcp:tools', description: 'Use the tools' }] },
        {
          path: '/broken',
          name: 'Nothing listens here',
          scopes: [{ name: 'broken:tools', description: 'Use it' }],
          upstream: { url: `http://127.0.0.1:${closedPort}/mcp` },
        },
      ],
      clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT] }],
    });
    metricsUrl = gatehouse.metricsUrl ?? '';
  });
  afterAll(async () => {
    await gatehouse?.close();
  });

  it('counts tokens, requests per route, MCP methods and tools, upstream failures and rate limits', async () => {
    const client = { clientId: 'cli', redirectUri: REDIRECT };
    const tokens = await tokensThroughPages(gatehouse.url, client);
    const token = tokens.body.access_token ?? '';
    const refreshed = await tokenRequest(gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_id: 'cli',
    });
    expect(refreshed.status).toBe(200);
    const fresh = refreshed.body.access_token ?? '';
    expect((await listTools(gatehouse.url, fresh)).status).toBe(200);
    const echoed = await callToolRaw(`${gatehouse.url}/mcp`, fresh, 'echo', { text: 'hi' });
    expect(await echoed.text()).toContain('hi');
    // The demo API refuses this one with HTTP 403: a tool error, and an upstream refusal.
    await (await callToolRaw(`${gatehouse.url}/mcp`, fresh, 'forbidden')).text();
    const broken = await tokensThroughPages(gatehouse.url, client, {
      resource: `${gatehouse.url}/broken`,
      scope: 'broken:tools',
    });
    const unreachable = await callToolRaw(`${gatehouse.url}/broken`, broken.body.access_token ?? '', 'x');
    expect(await unreachable.text()).toContain('unreachable');
    // The per-identity limit: 30 a window; the rest are 429.
    let limited = 0;
    for (let i = 0; i < 35; i++) if ((await listTools(gatehouse.url, token)).status === 429) limited++;
    expect(limited).toBeGreaterThan(0);

    // Not on the public port: the metrics listener is its own.
    expect((await fetch(`${gatehouse.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(metricsUrl);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    const events = 'gatehouse_audit_events_total';
    expect(sample(text, events, { event: 'token.issued' })).toBe(2);
    expect(sample(text, events, { event: 'token.refreshed' })).toBe(1);
    expect(sample(text, events, { event: 'tool.called' })).toBe(3);
    const mcp = 'gatehouse_mcp_requests_total';
    expect(sample(text, mcp, { endpoint: '/mcp', mcp_method: 'tools/list', outcome: 'ok' })).toBe(
      1 + 35 - limited,
    );
    expect(
      sample(text, mcp, { endpoint: '/mcp', mcp_method: 'tools/call', tool: 'echo', outcome: 'ok' }),
    ).toBe(1);
    expect(
      sample(text, mcp, { endpoint: '/mcp', mcp_method: 'tools/call', tool: 'forbidden', outcome: 'error' }),
    ).toBe(1);
    expect(sample(text, 'gatehouse_upstream_errors_total', { upstream: '/mcp', class: 'refused' })).toBe(1);
    expect(
      sample(text, 'gatehouse_upstream_errors_total', { upstream: '/broken', class: 'unreachable' }),
    ).toBe(1);
    expect(sample(text, 'gatehouse_rate_limited_total', { scope: 'identity' })).toBe(limited);
    const requests = 'gatehouse_http_requests_total';
    expect(sample(text, requests, { route: '/oauth/token', method: 'POST', status: '200' })).toBe(3);
    expect(sample(text, requests, { route: '/oauth/consent', method: 'POST', status: '303' })).toBe(2);
    // An unknown path is one series, whatever was asked.
    expect(sample(text, requests, { route: 'other', method: 'GET', status: '404' })).toBe(1);
    expect(sample(text, requests, { route: '/mcp', method: 'POST', status: '429' })).toBe(limited);
    expect(text).toContain('gatehouse_http_request_duration_seconds_bucket{le="0.005",route="/oauth/token"}');
    expect(text).toContain('gatehouse_process_resident_memory_bytes');

    // The request log names the MCP method and tool; the audit has the call with its tool and outcome.
    const lines = gatehouse.logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request' && line.path === '/mcp');
    expect(lines.some((line) => line.mcpMethod === 'tools/call' && line.tool === 'echo')).toBe(true);
    // Tool-call events are written in batches (within 250 ms).
    const toolCalls = () =>
      gatehouse.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('event', '=', 'tool.called')
        .execute();
    await expect.poll(async () => (await toolCalls()).length, { timeout: 3000 }).toBe(3);
    const calls = await toolCalls();
    const details = calls.map((row) => JSON.parse(row.details) as Record<string, unknown>);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tool: 'echo', outcome: 'ok', via: 'oauth' }),
        expect.objectContaining({ tool: 'forbidden', outcome: 'error' }),
        expect.objectContaining({ tool: 'x', outcome: 'error' }),
      ]),
    );
    expect(calls.every((row) => row.client_id === 'cli' && row.user_id)).toBe(true);
  });
});
