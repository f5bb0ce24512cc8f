/** What the conformance suite's `client` mode hands every adapter: the server URL, the scenario, its context. */
export const serverUrl = process.argv.at(-1) ?? '';
export const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
export const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION;
export const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as {
  client_id?: string;
  client_secret?: string;
  toolCalls?: Array<{ name: string; arguments?: Record<string, unknown> }>;
};
/** the URL the basic-cimd scenario expects as client_id (the mock server never fetches it) */
export const CIMD_URL = 'https://conformance-test.local/client-metadata.json';
/** The SDK's version negotiation for the revision under test (none named: negotiate). */
export const negotiation = () =>
  version === undefined
    ? ('auto' as const)
    : version.startsWith('2025')
      ? ('legacy' as const)
      : { pin: version };
