import { parseArgs } from 'node:util';
import { type CliIo, processIo } from './io';

// Each command's module is loaded when it runs: `gatehouse client` need not load the database drivers and
// the server, nor `--help` anything (the bundle is split per command).

const DEV_INSTANCE =
  'Without --config (and no GATEHOUSE_ISSUER), it uses the development instance gatehouse dev keeps in ./.gatehouse.';

const HELP: Record<string, string> = {
  '': `gatehouse — an MCP OAuth gateway

Usage: gatehouse <command> [options]

Commands:
  dev       run with zero configuration (SQLite, generated secrets, dev login) on 127.0.0.1:8787
  serve     run with a configuration file (production)
  migrate   apply database migrations and exit
  doctor    validate a configuration file and print every finding
  clients   add, list or remove pre-registered OAuth clients
  token     create, list or revoke personal access tokens
  audit     print audit events as JSON lines
  sweep     purge expired data and re-check users with their identity provider (for cron)
  demo      run the demo MCP server alone (stdio or HTTP), to try an upstream
  client    connect to any OAuth-protected MCP server: list tools, call one, whoami, logout
  config    print the JSON Schema of the configuration file (config schema)

Run 'gatehouse help <command>' (or 'gatehouse <command> --help') for a command's options;
'gatehouse --version' prints the version.`,
  config: `gatehouse config schema

Prints the JSON Schema (draft 2020-12) of the configuration file, from the same definition Gatehouse
validates with: point your editor at it for completion and checks, e.g. with the YAML language server:
  gatehouse config schema > gatehouse.schema.json
  # yaml-language-server: $schema=./gatehouse.schema.json   (first line of gatehouse.yaml)`,
  dev: `gatehouse dev [--port N]

Starts Gatehouse for development: secrets generated once under ./.gatehouse/, SQLite at
./.gatehouse/gatehouse.db, the development login on. Listens on 127.0.0.1.
  --port N   port to listen on (default 8787, or GATEHOUSE_PORT)`,
  serve: `gatehouse serve --config FILE

Starts Gatehouse with FILE (JSON or YAML). Secrets may come from the environment instead:
GATEHOUSE_SECRET, GATEHOUSE_ENCRYPTION_KEYS (id:base64key,...), GATEHOUSE_DATABASE_URL, GATEHOUSE_ISSUER,
GATEHOUSE_PORT, GATEHOUSE_HOST. Refuses to start on an invalid or unsafe configuration.`,
  migrate: `gatehouse migrate --config FILE

Applies pending database migrations (they also run at every start) and exits.`,
  clients: `gatehouse clients add [--config FILE] --name NAME --redirect-uri URI [--redirect-uri URI …] [--confidential]
gatehouse clients list [--config FILE]
gatehouse clients remove CLIENT_ID [--config FILE]

Pre-registered OAuth clients stored in the database (clients in the config file need no command).
A confidential client's secret is printed once; only its hash is stored.
${DEV_INSTANCE}`,
  token: `gatehouse token create [--config FILE] --user EMAIL [--idp ID] --name NAME [--resource PATH]
                      --scope SCOPE [--scope SCOPE …] [--expires-days N|never]
gatehouse token list [--config FILE] --user EMAIL [--idp ID]
gatehouse token revoke TOKEN_ID [--config FILE]

Personal access tokens for a user who has signed in at least once. The token is printed once; only its
hash is stored. Users create their own on the Tokens page (/account/tokens). Every change is audited.
${DEV_INSTANCE}`,
  audit: `gatehouse audit [--config FILE] [--since 24h]

Prints audit events (logins, consents, tokens, replays, drift revocations, admin changes) as JSON lines,
oldest first. --since takes a duration (15m, 24h, 7d) or an ISO timestamp; default 24h.
${DEV_INSTANCE}`,
  sweep: `gatehouse sweep [--config FILE]

One pass of what 'serve' does periodically: deletes expired rows, re-validates users not checked for
identity.staleUserSeconds with their identity provider (revoking drifted ones) and purges audit events
older than audit.retentionDays. Prints a JSON summary.
${DEV_INSTANCE}`,
  demo: `gatehouse demo [--stdio | --port N] [--conformance]

Runs the demo MCP server (echo, time, notes.add, notes.list, forbidden) without Gatehouse: over stdio
(an upstream 'command'), or over Streamable HTTP on 127.0.0.1:N/mcp (default 8788; an upstream 'url').
--conformance adds the fixtures the official MCP conformance suite's server mode calls (test_* tools,
test:// resources, test_* prompts).`,
  client: `gatehouse client <mcp-url> [tools | call NAME [--args JSON] | whoami | logout] [options]

A command-line MCP client for testing any OAuth-protected MCP server (Gatehouse or not). Discovers the
server's protected-resource and authorization-server metadata, registers with Dynamic Client Registration
(or uses a client metadata document / a pre-registered client), runs authorization code + PKCE S256 with a
loopback callback on 127.0.0.1, checks the RFC 9207 'iss', and keeps tokens per issuer in a file only you
can read, refreshing them when they expire.
  tools                   list the server's tools (the default)
  call NAME --args JSON   call a tool with a JSON object of arguments
  whoami                  the server, issuer, client, scopes and token expiry in use
  logout                  revoke this server's tokens (RFC 7009) and forget them
  --client-metadata-url URL   use CIMD: this https URL is the client_id (the server must support it)
  --client-id ID              use a pre-registered client (its secret, if any, from GATEHOUSE_CLIENT_SECRET)
  GATEHOUSE_CLIENT_TOKEN=…    skip OAuth and send this bearer (a personal access token, service token, BYOK key)
  --protocol auto|legacy|REV  MCP protocol: auto (2026-07-28, falling back), legacy (2025-11-25), or pinned
  --no-browser                only print the sign-in URL; then the address the browser ends on may be
                              pasted here (a browser on another machine cannot reach this one's 127.0.0.1)
  --state FILE                token file (default $GATEHOUSE_CLIENT_STATE or ~/.config/gatehouse/client.json)`,
  doctor: `gatehouse doctor --config FILE

Validates FILE plus environment overrides; prints every error and warning; exits 1 on any error.`,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command = '', ...rest] = argv;
  let values: {
    config?: string;
    port?: string;
    help?: boolean;
    name?: string;
    'redirect-uri'?: string[];
    confidential?: boolean;
    since?: string;
    user?: string;
    idp?: string;
    resource?: string;
    scope?: string[];
    'expires-days'?: string;
    stdio?: boolean;
    conformance?: boolean;
    args?: string;
    'client-metadata-url'?: string;
    'client-id'?: string;
    protocol?: string;
    'no-browser'?: boolean;
    state?: string;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
        name: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        confidential: { type: 'boolean' },
        since: { type: 'string' },
        user: { type: 'string' },
        idp: { type: 'string' },
        resource: { type: 'string' },
        scope: { type: 'string', multiple: true },
        'expires-days': { type: 'string' },
        stdio: { type: 'boolean' },
        conformance: { type: 'boolean' },
        args: { type: 'string' },
        'client-metadata-url': { type: 'string' },
        'client-id': { type: 'string' },
        protocol: { type: 'string' },
        'no-browser': { type: 'boolean' },
        state: { type: 'string' },
      },
      allowPositionals:
        command === 'clients' ||
        command === 'token' ||
        command === 'client' ||
        command === 'config' ||
        command === 'help',
      strict: true,
    }));
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.out(`gatehouse ${(await import('./version')).packageVersion()}`);
    return 0;
  }
  if (command === 'help' && positionals[0] !== undefined) {
    const topic = HELP[positionals[0]];
    if (topic === undefined) {
      io.err(`no command "${positionals[0]}"\n\n${HELP['']}`);
      return 2;
    }
    io.out(topic);
    return 0;
  }
  if (command === '' || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP[''] ?? '');
    return command === '' ? 2 : 0;
  }
  const help = HELP[command];
  if (help === undefined) {
    io.err(`unknown command "${command}"\n\n${HELP['']}`);
    return 2;
  }
  if (values.help) {
    io.out(help);
    return 0;
  }
  switch (command) {
    case 'dev': {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
        io.err(`--port must be a port number, got "${values.port}"`);
        return 2;
      }
      const { devConfig, runServer } = await import('./serve');
      const config = devConfig(io, port);
      return config ? runServer(config, io) : 1;
    }
    case 'serve': {
      if (!values.config && !io.env.GATEHOUSE_ISSUER)
        io.err('warning: no --config given; using environment only');
      const { loadValidConfig, runServer } = await import('./serve');
      const config = await loadValidConfig(values.config, io);
      return config ? runServer(config, io) : 1;
    }
    case 'migrate':
      return (await import('./serve')).migrate(values.config, io);
    case 'demo':
      return (await import('./demo')).demoCommand(
        {
          stdio: values.stdio === true,
          port: values.port ? Number(values.port) : undefined,
          conformance: values.conformance === true,
        },
        io,
      );
    case 'doctor':
      return (await import('./doctor')).doctor(values.config, io);
    case 'client':
      return (await import('./client')).clientCommand(
        {
          url: positionals[0],
          action: positionals[1],
          tool: positionals[2],
          args: values.args,
          clientMetadataUrl: values['client-metadata-url'],
          clientId: values['client-id'],
          protocol: values.protocol,
          noBrowser: values['no-browser'] === true,
          state: values.state,
        },
        io,
      );
    case 'token':
      return (await import('./token')).tokenCommand(
        {
          action: positionals[0],
          id: positionals[1],
          config: values.config,
          user: values.user,
          idp: values.idp,
          name: values.name,
          resource: values.resource,
          scopes: values.scope ?? [],
          expiresDays: values['expires-days'],
        },
        io,
      );
    case 'config': {
      if (positionals[0] !== 'schema') {
        io.err(`usage: ${HELP.config?.split('\n')[0]}`);
        return 2;
      }
      io.out(JSON.stringify((await import('../config/json-schema')).configJsonSchema(), null, 2));
      return 0;
    }
    case 'audit':
      return (await import('./audit')).auditCommand({ config: values.config, since: values.since }, io);
    case 'sweep':
      return (await import('./audit')).sweepCommand({ config: values.config }, io);
    case 'clients':
      return (await import('./clients')).clientsCommand(
        {
          action: positionals[0],
          clientId: positionals[1],
          config: values.config,
          name: values.name,
          redirectUris: values['redirect-uri'] ?? [],
          confidential: values.confidential ?? false,
        },
        io,
      );
    default:
      return 2;
  }
}
