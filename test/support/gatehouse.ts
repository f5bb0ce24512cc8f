import { createServer } from 'node:net';
import { type ConfigInput, validateConfig } from '../../src/config';
import { type StartOptions, startGatehouse } from '../../src/main';
import { createLogger, createMemoryDestination } from '../../src/telemetry';
import { openTestDatabase } from './databases';

/** A free loopback port (the issuer must be known before the server listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const TEST_KEY = Buffer.alloc(32, 5).toString('base64');

/** The demo endpoint most tests use: `/mcp` with `mcp:tools` (default) and `mcp:write` (default unless said). */
export function demoResource(options: { writeByDefault?: boolean } = {}) {
  return {
    path: '/mcp',
    name: 'Demo MCP',
    scopes: [
      { name: 'mcp:tools', description: 'Use the tools', default: true },
      { name: 'mcp:write', description: 'Change data', default: options.writeByDefault ?? false },
    ],
  };
}

/** Starts a real Gatehouse on loopback with a test configuration (dev mode: dev login, loopback CIMD). */
export async function startTestGatehouse(
  overrides: Partial<ConfigInput> = {},
  options: StartOptions & { issuerPath?: string; port?: number; host?: 'localhost' } = {},
) {
  const port = options.port ?? (await freePort());
  const destination = createMemoryDestination();
  const raw: ConfigInput = {
    mode: 'dev',
    // `localhost` gives a second Gatehouse cookies of its own in one browser (cookies ignore the port).
    issuer: `http://${options.host ?? '127.0.0.1'}:${port}${options.issuerPath ?? ''}`,
    listen: { host: '127.0.0.1', port },
    secret: 'test-secret-test-secret-test-secret-0123',
    encryptionKeys: [{ id: 't1', key: TEST_KEY }],
    database: { url: 'sqlite::memory:' },
    devLogin: { enabled: true },
    access: { allowAnyone: true },
    cimd: { allowLoopbackDocuments: true },
    http: { rateLimit: { maxRequestsPerIp: 100_000 } },
    log: { level: 'info' },
    ...overrides,
  };
  const result = validateConfig(raw);
  if (!result.ok) throw new Error(`bad test config: ${JSON.stringify(result.findings)}`);
  // GATEHOUSE_E2E_DATABASE=postgres runs every e2e test on PostgreSQL (a schema of its own each).
  // Not for a test that chose its own database (a file the CLI under test opens too).
  const database =
    options.database ??
    (process.env.GATEHOUSE_E2E_DATABASE === 'postgres' && overrides.database === undefined
      ? await openTestDatabase('postgres')
      : undefined);
  const gatehouse = await startGatehouse(result.config, {
    logger: createLogger({ level: 'info', destination }),
    ...options,
    ...(database ? { database } : {}),
  });
  return { ...gatehouse, config: result.config, logs: destination };
}

export type TestGatehouse = Awaited<ReturnType<typeof startTestGatehouse>>;
