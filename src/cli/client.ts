import { createInterface, type Interface } from 'node:readline';
import type { VersionNegotiationMode } from '@modelcontextprotocol/client';
import {
  type ClientSession,
  checkClientMetadataUrl,
  createFileTokenStore,
  defaultStatePath,
  describeExpiry,
  describeFailure,
  listAllTools,
  logout,
  openClientSession,
  openInBrowser,
  parseToolArguments,
  type RecordedRequest,
  renderToolResult,
  renderTools,
  type TokenStore,
} from '../client';
import type { CliIo } from './io';

export interface ClientArgs {
  url: string | undefined;
  action: string | undefined;
  tool: string | undefined;
  args: string | undefined;
  clientMetadataUrl: string | undefined;
  clientId: string | undefined;
  protocol: string | undefined;
  noBrowser: boolean;
  state: string | undefined;
}

const ACTIONS = new Set(['tools', 'call', 'whoami', 'logout']);

function protocolMode(value: string | undefined): VersionNegotiationMode | undefined {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === 'legacy' || /^2025-/.test(value)) return 'legacy';
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { pin: value };
  return undefined;
}

/** `gatehouse client <mcp-url> [tools | call NAME --args JSON | whoami | logout]` */
export async function clientCommand(args: ClientArgs, io: CliIo): Promise<number> {
  const action = args.action ?? 'tools';
  if (!args.url || !ACTIONS.has(action)) {
    io.err('usage: gatehouse client <mcp-url> [tools | call NAME --args JSON | whoami | logout]');
    return 2;
  }
  let serverUrl: string;
  try {
    serverUrl = new URL(args.url).toString();
  } catch {
    io.err(`"${args.url}" is not a URL`);
    return 2;
  }
  if (args.clientMetadataUrl) {
    const problem = checkClientMetadataUrl(args.clientMetadataUrl);
    if (problem) {
      io.err(problem);
      return 2;
    }
  }
  const protocol = protocolMode(args.protocol);
  if (!protocol) {
    io.err(`--protocol takes auto, legacy or a revision such as 2026-07-28; got "${args.protocol}"`);
    return 2;
  }
  const toolArgs = parseToolArguments(args.args);
  if (!toolArgs.ok) {
    io.err(toolArgs.reason);
    return 2;
  }
  if (action === 'call' && !args.tool) {
    io.err('usage: gatehouse client <mcp-url> call NAME [--args JSON]');
    return 2;
  }
  const store = createFileTokenStore(args.state ?? defaultStatePath(io.env));

  if (action === 'logout') {
    try {
      const outcome = await logout(serverUrl, store, fetch);
      for (const entry of outcome.revoked) io.out(`${entry.kind}: ${entry.outcome}`);
      io.out(`signed out of ${serverUrl} (tokens removed from ${store.path})`);
      return outcome.revoked.every((entry) => entry.outcome === 'revoked') ? 0 : 1;
    } catch (error) {
      io.err(`logout failed: ${describeFailure(error, [])}`);
      return 1;
    }
  }

  // whoami tells what is stored and whether the server still takes it: it never starts a sign-in.
  const signIn = action !== 'whoami' || Boolean(io.env.GATEHOUSE_CLIENT_TOKEN);
  const signInHint = `not signed in to ${serverUrl}: \`gatehouse client ${serverUrl} tools\` signs in`;
  if (!signIn && !(await hasTokens(store, serverUrl))) {
    io.err(signInHint);
    return 1;
  }
  const restoreConsole = quietSdkConsole(io);
  let session: ClientSession | undefined;
  let pasted: Interface | undefined;
  try {
    session = await openClientSession({
      signIn,
      notSignedIn: `the sign-in stored for ${serverUrl} is no longer accepted (expired or revoked): \`gatehouse client ${serverUrl} tools\` signs in again`,
      serverUrl,
      store,
      clientMetadataUrl: args.clientMetadataUrl,
      preRegistered: args.clientId
        ? { clientId: args.clientId, clientSecret: io.env.GATEHOUSE_CLIENT_SECRET }
        : undefined,
      protocol,
      // a PAT, service token or BYOK key from the environment (never from argv, where `ps` shows it)
      bearerToken: io.env.GATEHOUSE_CLIENT_TOKEN || undefined,
      openAuthorizationUrl: (url) => {
        const stepUp = session && scopeChallengeOf(session.trail, serverUrl);
        if (stepUp)
          io.err(
            `More access is needed: ${stepUp.why}. Asking for ${url.searchParams.get('scope') ?? 'more scopes'}.`,
          );
        io.err(`Sign in to continue: open this URL in a browser\n\n  ${url.toString()}\n`);
        if (!args.noBrowser && openInBrowser(url.toString(), io.env)) io.err('(opened in your browser)');
        if (args.noBrowser && !pasted) {
          // A browser on another machine (SSH) cannot reach 127.0.0.1 here: take the URL it ends on instead.
          io.err(
            'If your browser runs on another machine, paste the address it is sent to after approving (it starts with http://127.0.0.1) and press Enter.',
          );
          pasted = createInterface({ input: io.stdin ?? process.stdin, terminal: false });
          pasted.on('line', (line) => {
            if (line.trim() && !session?.deliverPasted(line))
              io.err(
                'That is not the address this sign-in is waiting for; paste the whole URL from the address bar.',
              );
          });
        }
      },
    });
    switch (action) {
      case 'tools': {
        io.out(renderTools(await session.run((client) => listAllTools(client))));
        return 0;
      }
      case 'call': {
        const result = await session.run((client) =>
          client.callTool({ name: args.tool ?? '', arguments: toolArgs.value }),
        );
        const text = renderToolResult(result as Parameters<typeof renderToolResult>[0]);
        if (result.isError) {
          io.err(`tool ${args.tool} answered with an error:\n${text}`);
          return 1;
        }
        io.out(text);
        return 0;
      }
      default:
        if (io.env.GATEHOUSE_CLIENT_TOKEN) {
          const server = await session.run(async (client) => client.getServerVersion());
          io.out(`server      ${serverUrl} (${server?.name ?? '?'} ${server?.version ?? ''})`);
          io.out('credential  the bearer in GATEHOUSE_CLIENT_TOKEN (no OAuth)');
          return 0;
        }
        return await whoami(session, serverUrl, store, io);
    }
  } catch (error) {
    io.err(`gatehouse client: ${describeFailure(error, session?.trail ?? [])}`);
    return 1;
  } finally {
    pasted?.close();
    await session?.close();
    restoreConsole();
  }
}

async function hasTokens(store: TokenStore, serverUrl: string): Promise<boolean> {
  const state = await store.read();
  const issuer = state.servers[serverUrl]?.issuer;
  return Boolean(issuer && state.issuers[issuer]?.tokens[serverUrl]);
}

/** The server's last answer, when it was a scope challenge (403 insufficient_scope): why more access is needed. */
function scopeChallengeOf(trail: readonly RecordedRequest[], serverUrl: string): { why: string } | undefined {
  const last = [...trail].reverse().find((entry) => entry.url === serverUrl && entry.status !== undefined);
  if (last?.status !== 403 || last.oauthError?.error !== 'insufficient_scope') return undefined;
  return { why: last.oauthError.error_description ?? 'the server answered insufficient_scope' };
}

/**
 * The MCP SDK writes its own notes to the console ("[mcp-sdk] … deprecated", debug lines): not the user's
 * business. Dropped while a command runs, or shown on stderr with GATEHOUSE_CLIENT_DEBUG=1.
 */
function quietSdkConsole(io: CliIo): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  const route = (...args: unknown[]) => {
    if (io.env.GATEHOUSE_CLIENT_DEBUG)
      io.err(`debug: ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`);
  };
  Object.assign(console, { log: route, info: route, warn: route, error: route, debug: route });
  return () => Object.assign(console, saved);
}

async function whoami(
  session: ClientSession,
  serverUrl: string,
  store: TokenStore,
  io: CliIo,
): Promise<number> {
  const server = await session.run(async (client) => ({
    version: client.getServerVersion(),
    protocol: client.getNegotiatedProtocolVersion(),
  }));
  const state = await store.read();
  const issuer = state.servers[serverUrl]?.issuer;
  const record = issuer ? state.issuers[issuer] : undefined;
  const tokens = record?.tokens[serverUrl];
  const rows: Array<[string, string]> = [
    [
      'server',
      `${serverUrl} (${server.version?.name ?? '?'} ${server.version?.version ?? ''}, protocol ${server.protocol ?? '?'})`,
    ],
    [
      'resource',
      state.servers[serverUrl]?.resource ?? '(none: the server publishes no protected resource metadata)',
    ],
    ['issuer', issuer ?? '(none: the server asked for no authorization)'],
    ['client_id', record?.client ? `${record.client.client_id} (${record.registration ?? 'dcr'})` : '-'],
    ['scopes', tokens?.scope || '(not stated by the server)'],
    ['expires', tokens ? describeExpiry(tokens.saved_at, tokens.expires_in, Date.now()) : '-'],
    ['refresh', tokens?.refresh_token ? 'yes' : 'no'],
    ['state file', store.path],
  ];
  for (const [name, value] of rows) io.out(`${name.padEnd(10)}  ${value}`);
  return 0;
}
