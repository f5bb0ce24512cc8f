import { describe, expect, it } from 'vitest';
import { mcpFactsOf, withTraceContext } from '../gateway/json-rpc';
import { createMetrics, noMetrics } from './metrics';

describe('metrics', () => {
  it('keeps tool names as labels up to a cap per endpoint, then counts the rest as other', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 205; i++)
      metrics.mcp({ endpoint: '/mcp', method: 'tools/call', tool: `made-up-${i}` }, 'error', 0.01);
    metrics.mcp({ endpoint: '/other', method: 'tools/call', tool: 'echo' }, 'ok', 0.01);
    const { body } = await metrics.scrape();
    const series = body.split('\n').filter((line) => line.startsWith('gatehouse_mcp_requests_total{'));
    expect(series.filter((line) => line.includes('endpoint="/mcp"'))).toHaveLength(201);
    expect(body).toContain(
      'gatehouse_mcp_requests_total{endpoint="/mcp",mcp_method="tools/call",tool="other",outcome="error"} 5',
    );
    expect(body).toContain('tool="made-up-199"');
    expect(body).not.toContain('tool="made-up-200"');
    expect(body).toContain('endpoint="/other",mcp_method="tools/call",tool="echo",outcome="ok"} 1');
  });

  it('is a no-op when off', async () => {
    noMetrics.request('/mcp', 'POST', 200, 0.1);
    expect(noMetrics.enabled).toBe(false);
    expect((await noMetrics.scrape()).body).toBe('');
  });
});

describe('mcpFactsOf', () => {
  it('names known methods and the called tool, and bounds everything else', () => {
    expect(
      mcpFactsOf('/mcp', [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }]),
    ).toEqual({ endpoint: '/mcp', method: 'tools/call', tool: 'echo' });
    expect(mcpFactsOf('/mcp', [{ jsonrpc: '2.0', id: 1, method: 'x/made-up-1234' }])).toEqual({
      endpoint: '/mcp',
      method: 'other',
    });
    expect(
      mcpFactsOf('/mcp', [
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo' } },
      ]),
    ).toEqual({ endpoint: '/mcp', method: 'batch' });
    expect(mcpFactsOf('/mcp', [{ jsonrpc: '2.0', id: 1, result: {} }])).toEqual({
      endpoint: '/mcp',
      method: 'response',
    });
  });
});

describe('withTraceContext', () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  it("puts the trace context in each request's _meta, keeping what was there, leaving notifications alone", () => {
    const body = withTraceContext(
      [
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', _meta: { progressToken: 7, tracestate: 'old' } },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'ping' },
      ],
      parent,
      undefined,
    );
    expect(JSON.parse(body ?? '')).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', _meta: { progressToken: 7, traceparent: parent } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'ping', params: { _meta: { traceparent: parent } } },
    ]);
    expect(
      withTraceContext([{ jsonrpc: '2.0', method: 'notifications/initialized' }], parent, 'k=v'),
    ).toBeUndefined();
  });
});
