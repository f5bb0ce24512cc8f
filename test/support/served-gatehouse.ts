import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, TEST_KEY } from './gatehouse';

const CLI = resolve(import.meta.dirname, '../../bin/gatehouse.js');
const HEAP_PROBE = resolve(import.meta.dirname, 'heap-probe.mjs');

export interface ServedGatehouse {
  url: string;
  process: ChildProcess;
  /** the heap in use after a full collection, in bytes */
  heapUsedAfterGc(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The built `gatehouse serve` (what users run) in its own process on a loopback port, with a heap probe:
 * memory is measured in the server alone, not in the test that drives it. `extraYaml` is appended to a
 * production config on a throwaway SQLite file with rate limits out of the way.
 */
export async function startServedGatehouse(extraYaml: string): Promise<ServedGatehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-served-'));
  const port = await freePort();
  const config = join(dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    `issuer: http://127.0.0.1:${port}
listen: { host: 127.0.0.1, port: ${port} }
secret: served-secret-served-secret-served-0123
encryptionKeys: [{ id: s1, key: ${TEST_KEY} }]
database: { url: "sqlite:${join(dir, 'gatehouse.db')}" }
http: { rateLimit: { maxRequestsPerIp: 100000000, maxRequestsPerUser: 100000000 } }
log: { level: warn }
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
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    heapUsedAfterGc: () =>
      new Promise((answer) => {
        child.once('message', (message) => answer((message as { heapUsed: number }).heapUsed));
        child.send('heap');
      }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
