import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, TEST_KEY } from './gatehouse';

const CLI = resolve(import.meta.dirname, '../../bin/gatehouse.js');
const HEAP_PROBE = resolve(import.meta.dirname, 'heap-probe.mjs');

export interface ServedGatehouse {
  /** where this process listens */
  url: string;
  port: number;
  process: ChildProcess;
  /** everything it printed (stdout and stderr) */
  output(): string;
  /** the heap in use after a full collection, in bytes */
  heapUsedAfterGc(): Promise<number>;
  /** SIGKILL, no goodbye (a crash) */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** the shared public issuer when several processes stand behind one name (default: this process) */
  issuer?: string;
  /** a database shared with other processes (default: a throwaway SQLite file) */
  databaseUrl?: string;
  port?: number;
  logLevel?: string;
}

/**
 * The built `gatehouse serve` (what users run) in its own process on a loopback port, with a heap probe:
 * memory is measured in the server alone, not in the test that drives it. `extraYaml` is appended to a
 * production config with rate limits out of the way.
 */
export async function startServedGatehouse(
  extraYaml: string,
  options: ServeOptions = {},
): Promise<ServedGatehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-served-'));
  const port = options.port ?? (await freePort());
  const config = join(dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    `issuer: ${options.issuer ?? `http://127.0.0.1:${port}`}
listen: { host: 127.0.0.1, port: ${port} }
secret: served-secret-served-secret-served-0123
encryptionKeys: [{ id: s1, key: ${TEST_KEY} }]
database: { url: "${options.databaseUrl ?? `sqlite:${join(dir, 'gatehouse.db')}`}" }
http: { rateLimit: { maxRequestsPerIp: 100000000, maxRequestsPerUser: 100000000 } }
log: { level: ${options.logLevel ?? 'warn'} }
${extraYaml}`,
  );
  const child = fork(CLI, ['serve', '--config', config], {
    execArgv: ['--expose-gc', '--import', HEAP_PROBE],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise<void>((ready, fail) => {
    const onData = () => output.includes('listening on') && ready();
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`gatehouse serve exited ${code}: ${output}`)));
  });
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    output: () => output,
    heapUsedAfterGc: () =>
      new Promise((answer) => {
        child.once('message', (message) => answer((message as { heapUsed: number }).heapUsed));
        child.send('heap');
      }),
    async kill() {
      const gone = exited();
      child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      const gone = exited();
      child.kill('SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
