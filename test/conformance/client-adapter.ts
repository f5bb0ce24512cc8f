/**
 * The command the conformance suite's `client` mode runs: `gatehouse client`'s code (src/client) against
 * the suite's mock MCP and authorization servers. Its only additions are what a person would do: the
 * mock authorization server approves at once, so "the browser" fetches the authorization URL without
 * following redirects and delivers the Location to the client's loopback callback; and for scenarios that
 * probe the MCP client (elicitation defaults, sampling, roots) it answers the way a simple host would.
 *
 * Usage (by the suite): node --import tsx test/conformance/client-adapter.ts <server-url>
 * Env from the suite: MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION, MCP_CONFORMANCE_CONTEXT.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, Tool } from '@modelcontextprotocol/client';
import { createFileTokenStore, describeFailure, openClientSession } from '../../src/client';
import { CIMD_URL, context, negotiation, scenario, serverUrl } from './adapter-env';

const log = (...parts: unknown[]) => console.error(`[adapter ${scenario}]`, ...parts);

/** A sample value per JSON Schema type, for the required arguments of a tool the scenario did not spell out. */
function sampleArguments(tool: Tool): Record<string, unknown> {
  const schema = tool.inputSchema as {
    properties?: Record<string, { type?: string; enum?: unknown[] }>;
    required?: string[];
  };
  const args: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name] ?? {};
    args[name] =
      property.enum?.[0] ??
      ({ number: 2, integer: 3, boolean: true, object: {}, array: [] } as Record<string, unknown>)[
        property.type ?? ''
      ] ??
      'test';
  }
  return args;
}

/** Everything a host would do with a server: list and call its tools, read its resources and prompts. */
async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const calls =
    context.toolCalls ?? tools.map((tool) => ({ name: tool.name, arguments: sampleArguments(tool) }));
  for (const call of calls) {
    try {
      const result = await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
      log(`called ${call.name}:`, JSON.stringify(result).slice(0, 200));
    } catch (error) {
      if (scenario.startsWith('auth/')) throw error; // an auth failure is the outcome under test
      log(`call ${call.name} failed:`, (error as Error).message);
    }
  }
  if (scenario === 'http-standard-headers') {
    const capabilities = client.getServerCapabilities();
    if (capabilities?.resources) {
      const { resources } = await client.listResources();
      if (resources[0]) await client.readResource({ uri: resources[0].uri });
    }
    if (capabilities?.prompts) {
      const { prompts } = await client.listPrompts();
      if (prompts[0]) await client.getPrompt({ name: prompts[0].name, arguments: {} });
    }
  }
}

const store = createFileTokenStore(
  join(await mkdtemp(join(tmpdir(), 'gh-conformance-client-')), 'client.json'),
);
const session = await openClientSession({
  serverUrl,
  store,
  clientMetadataUrl: scenario === 'auth/basic-cimd' ? CIMD_URL : undefined,
  preRegistered: context.client_id
    ? { clientId: context.client_id, clientSecret: context.client_secret }
    : undefined,
  protocol: negotiation(),
  capabilities: { elicitation: { form: { applyDefaults: true } }, sampling: {}, roots: {} },
  configureClient: (client) => {
    // a host that accepts every form and lets the SDK fill in the schema's defaults (SEP-1034)
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: {} }));
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sampled by the conformance adapter' },
      model: 'none',
      stopReason: 'endTurn',
    }));
    client.setRequestHandler('roots/list', async () => ({ roots: [] }));
  },
  authorizationTimeoutMs: 20_000,
  openAuthorizationUrl: async (url) => {
    const answer = await fetch(url, { redirect: 'manual' });
    const location = answer.headers.get('location');
    if (!location) throw new Error(`the authorization endpoint answered ${answer.status} without a redirect`);
    await fetch(location);
  },
});

let exitCode = 0;
try {
  await session.run(exercise);
} catch (error) {
  log(describeFailure(error, session.trail));
  exitCode = 1;
} finally {
  await session.close();
}
process.exit(exitCode);
