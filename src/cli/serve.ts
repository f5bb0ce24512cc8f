import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  applyEnvOverrides,
  type ConfigInput,
  type GatehouseConfig,
  loadConfig,
  validateConfig,
} from '../config';
import { startGatehouse } from '../main';
import { openDatabase } from '../store';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { formatFinding } from './doctor';
import type { CliIo } from './io';

/** Loads and validates the config; prints findings. Returns undefined (after printing why) when invalid. */
export async function loadValidConfig(
  configPath: string | undefined,
  io: CliIo,
): Promise<GatehouseConfig | undefined> {
  const result = await loadConfig(configPath, io.env);
  for (const finding of result.findings) io.err(formatFinding(finding));
  if (!result.ok) {
    io.err('refusing to start: fix the errors above (gatehouse doctor --config FILE lists them)');
    return undefined;
  }
  return result.config;
}

/** The zero-config development setup: generated secrets, SQLite and the dev login, on loopback. */
export function devConfig(io: CliIo, port: number | undefined): GatehouseConfig | undefined {
  const stateDir = resolve(io.cwd, '.gatehouse');
  const secrets = loadOrCreateDevSecrets(stateDir);
  const chosenPort = port ?? (io.env.GATEHOUSE_PORT ? Number(io.env.GATEHOUSE_PORT) : 8787);
  const raw = applyEnvOverrides(
    {
      mode: 'dev',
      issuer: `http://127.0.0.1:${chosenPort}`,
      listen: { host: '127.0.0.1', port: chosenPort },
      ...secrets,
      database: { url: `sqlite:${resolve(stateDir, 'gatehouse.db')}` },
      log: { level: 'info', pretty: !io.env.CI },
      // Prometheus metrics on a loopback port of their own (any free one: two dev servers may run at once).
      metrics: { enabled: true, host: '127.0.0.1', port: 0 },
      devLogin: { enabled: true },
      // Anyone may use the dev login; dev@example.com (the form's default) is an admin (audit log).
      access: { allowAnyone: true, admins: { emails: ['dev@example.com'] } },
      // Development only: lets a client metadata document be served from this machine.
      cimd: { allowLoopbackDocuments: true },
      resources: devEndpoints(secrets.secret),
      hub: devHub(`http://127.0.0.1:${chosenPort}`),
    },
    { ...io.env, GATEHOUSE_PORT: undefined, GATEHOUSE_ISSUER: undefined },
  );
  const result = validateConfig(raw);
  if (!result.ok) {
    for (const finding of result.findings) io.err(formatFinding(finding));
    return undefined;
  }
  return result.config;
}

/**
 * The two endpoints of `gatehouse dev`, both over the demo MCP server: `/mcp` for signed-in users (OAuth
 * or a personal access token) with a team key they never see, and `/byok` where callers bring their own
 * key (the demo accepts any `demo_…` key).
 */
function devEndpoints(secret: string) {
  const teamKey = `demo_team_${createHash('sha256').update(`demo-team|${secret}`).digest('base64url').slice(0, 24)}`;
  return [
    {
      path: '/mcp',
      name: 'Demo MCP server',
      scopes: [
        { name: 'mcp:tools', description: 'Use the demo tools', default: true },
        { name: 'notes:write', description: 'Add notes (the notes.add tool)', default: false },
      ],
      auth: ['oauth', 'pat'],
      upstream: { demo: true },
      credential: { mode: 'shared', value: `Bearer ${teamKey}` },
      requiredScopes: ['mcp:tools'],
      toolScopes: { 'notes.add': ['notes:write'] },
    },
    {
      path: '/byok',
      name: 'Demo MCP server (bring your own key)',
      auth: ['byok'],
      upstream: { demo: true },
      credential: { mode: 'passthrough' },
    },
  ];
}

/**
 * The hub of `gatehouse dev`: one catalog entry, this Gatehouse's own `/mcp`, reached as any OAuth upstream
 * is — discovery, Gatehouse's own client metadata document, consent, tokens in the vault — so the whole
 * connect flow can be tried with no outside account.
 */
export function devHub(issuer: string): NonNullable<ConfigInput['hub']> {
  return {
    enabled: true,
    catalog: [
      {
        slug: 'demo',
        name: 'Demo MCP server (through OAuth)',
        description: "This Gatehouse's own /mcp endpoint, connected like any OAuth-protected upstream.",
        url: `${issuer}/mcp`,
        auth: {
          type: 'oauth' as const,
          scopes: ['mcp:tools'],
          templates: [
            { name: 'read-only', description: 'Use the tools, add no notes', scopes: ['mcp:tools'] },
            { name: 'full', description: 'Also add notes', scopes: ['mcp:tools', 'notes:write'] },
          ],
          scopeDescriptions: {
            'mcp:tools': 'list and call the demo tools',
            'notes:write': 'add notes (notes.add)',
          },
        },
      },
    ],
  };
}

/** Runs until SIGINT/SIGTERM. */
export async function runServer(config: GatehouseConfig, io: CliIo): Promise<number> {
  let gatehouse: Awaited<ReturnType<typeof startGatehouse>>;
  try {
    gatehouse = await startGatehouse(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    // One clear line instead of a stack trace.
    io.err(
      code === 'EADDRINUSE'
        ? `port ${config.listen.port} on ${config.listen.host} is in use: stop what runs there, or pick another port (gatehouse dev --port N, npm start -- --port N, or GATEHOUSE_PORT)`
        : `not allowed to listen on ${config.listen.host}:${config.listen.port} (a port below 1024 needs privileges): pick another port`,
    );
    return 1;
  }
  io.out(`Gatehouse (${config.mode}) listening on ${gatehouse.url}`);
  io.out(`  home:       ${gatehouse.url}/  (the MCP endpoints, with what to paste into each client)`);
  if (config.devLogin.enabled)
    io.out(
      `  sign in:    the development login, any address${config.access.admins.emails.length > 0 ? `; admins: ${config.access.admins.emails.join(', ')}` : ''}`,
    );
  io.out(`  issuer:     ${config.issuer}`);
  io.out(`  health:     ${gatehouse.url}/healthz  ready: ${gatehouse.url}/readyz`);
  for (const resource of config.resources)
    io.out(
      `  MCP:        ${new URL(config.issuer).origin}${resource.path}  (${resource.auth.join(', ')}${resource.auth.includes('byok') && 'demo' in resource.upstream ? ': any demo_… key' : ''})`,
    );
  io.out(`  metadata:   ${config.issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`);
  io.out(`  your apps:  ${gatehouse.url}/account/apps   tokens: ${gatehouse.url}/account/tokens`);
  if (config.hub.enabled)
    io.out(
      `  hub:        ${new URL(config.issuer).origin}${config.hub.path}  (connect servers at ${gatehouse.url}/hub/connections)`,
    );
  if (config.playground.enabled) io.out(`  playground: ${gatehouse.url}/playground`);
  io.out(
    `  admin:      ${gatehouse.url}/admin/users  clients: ${gatehouse.url}/admin/clients  audit: ${gatehouse.url}/admin/audit${config.hub.enabled ? `  catalog: ${gatehouse.url}/admin/catalog` : ''}`,
  );
  if (gatehouse.metricsUrl) io.out(`  metrics:    ${gatehouse.metricsUrl}  (Prometheus; its own listener)`);
  return new Promise((done) => {
    const stop = () => {
      io.out('shutting down');
      gatehouse.close().then(
        () => done(0),
        () => done(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function migrate(configPath: string | undefined, io: CliIo): Promise<number> {
  const config = await loadValidConfig(configPath, io);
  if (!config) return 1;
  const database = openDatabase(config.database.url);
  try {
    const applied = await database.migrate();
    io.out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await database.close();
  }
}
