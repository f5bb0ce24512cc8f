/** The headers of an MCP POST with a bearer token (2025-11-25 wire), as a client sends them. */
export function mcpPostHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
  };
}

/** One JSON-RPC message POSTed to a protected MCP endpoint with a bearer token. */
function postMcp(url: URL | string, token: string, message: object, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { ...mcpPostHeaders(token), ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
}

/** A `tools/list` call to a protected MCP endpoint with a bearer token, as a client sends it. */
export function listTools(base: string, token: string, path = '/mcp', headers: Record<string, string> = {}) {
  return postMcp(new URL(path, base), token, { id: 1, method: 'tools/list', params: {} }, headers);
}

/** A raw `tools/call`, to see the HTTP status and body a client would get. */
export function callToolRaw(
  url: string,
  token: string,
  name: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return postMcp(url, token, { id: 3, method: 'tools/call', params: { name, arguments: args } }, headers);
}
