import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** What one MCP request did, as the request log and the metrics see it. */
export interface McpFacts {
  /** the endpoint's path (`/mcp`, `/hub/mcp`) */
  endpoint: string;
  /** the JSON-RPC method of the request (the first, for a batch) */
  method: string;
  /** the called tool, for tools/call */
  tool?: string;
}

/** timeout; unreachable (connection failed); refused (a non-2xx answer); answer_too_large */
export type UpstreamErrorClass = 'timeout' | 'unreachable' | 'refused' | 'answer_too_large';

/** Counters and histograms Gatehouse keeps; a no-op when metrics are off, so the hot path pays nothing. */
export interface Metrics {
  readonly enabled: boolean;
  /** one HTTP request: its route pattern (never the raw path: ids would explode the series) */
  request(route: string, method: string, status: number, seconds: number): void;
  /** one MCP request through an endpoint or the hub */
  mcp(facts: McpFacts, outcome: 'ok' | 'error', seconds: number): void;
  upstreamError(endpoint: string, kind: UpstreamErrorClass): void;
  rateLimited(scope: 'ip' | 'identity'): void;
  /** an audit event (tokens issued, refreshed, revoked; logins; consents…) */
  event(name: string): void;
  /** the Prometheus text exposition */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export const noMetrics: Metrics = {
  enabled: false,
  request() {},
  mcp() {},
  upstreamError() {},
  rateLimited() {},
  event() {},
  scrape: async () => ({ contentType: 'text/plain', body: '' }),
};

/** Distinct tool names kept per endpoint; past it a client inventing names cannot grow the series. */
const MAX_TOOLS_PER_ENDPOINT = 200;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern (to the answer head, for streams)',
    labelNames: ['route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const mcpRequests = new Counter({
    name: 'gatehouse_mcp_requests_total',
    help: 'MCP requests by endpoint, JSON-RPC method, tool (tools/call) and outcome',
    labelNames: ['endpoint', 'mcp_method', 'tool', 'outcome'] as const,
    registers: [registry],
  });
  const mcpSeconds = new Histogram({
    name: 'gatehouse_mcp_request_duration_seconds',
    help: 'MCP request latency by endpoint, JSON-RPC method and tool',
    labelNames: ['endpoint', 'mcp_method', 'tool'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gatehouse_upstream_errors_total',
    help: 'Upstream MCP server failures by upstream (an endpoint path, or hub/<slug>) and class',
    labelNames: ['upstream', 'class'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'gatehouse_rate_limited_total',
    help: 'Requests refused by a rate limit (per IP or per signed-in identity)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'gatehouse_audit_events_total',
    help: 'Audit events by name: token.issued, token.refreshed, token.revoked, login.succeeded, …',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const tools = new Map<string, Set<string>>();
  /** A tool name as a label: its own while the endpoint has few, `other` past the cap. */
  const toolLabel = (endpoint: string, tool: string | undefined) => {
    if (tool === undefined) return '';
    let seen = tools.get(endpoint);
    if (!seen) {
      seen = new Set();
      tools.set(endpoint, seen);
    }
    if (seen.has(tool)) return tool;
    if (seen.size >= MAX_TOOLS_PER_ENDPOINT) return 'other';
    seen.add(tool);
    return tool;
  };

  return {
    enabled: true,
    request(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    mcp(facts, outcome, seconds) {
      const tool = toolLabel(facts.endpoint, facts.tool);
      mcpRequests.inc({ endpoint: facts.endpoint, mcp_method: facts.method, tool, outcome });
      mcpSeconds.observe({ endpoint: facts.endpoint, mcp_method: facts.method, tool }, seconds);
    },
    upstreamError(endpoint, kind) {
      upstreamErrors.inc({ upstream: endpoint, class: kind });
    },
    rateLimited(scope) {
      rateLimited.inc({ scope });
    },
    event(name) {
      events.inc({ event: name });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
