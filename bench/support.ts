import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';

export interface LoadResult {
  label: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

/** Drives `url` with autocannon over loopback for `seconds`. */
export async function load(
  label: string,
  url: string,
  connections: number,
  seconds = 5,
  options: Partial<autocannon.Options> = {},
): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds, ...options });
  return {
    label,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

export function printTable(rows: LoadResult[]): void {
  console.log('| endpoint | connections | req/s | p50 ms | p99 ms | non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.label} | ${row.connections} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.non2xx} |`,
    );
  }
}

/** Resident set size of a process, from /proc (Linux). */
export function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : Number.NaN;
}

export interface BenchServer {
  url: string;
  dbPath: string;
  process: ChildProcess;
  stop(): void;
}

/**
 * Starts the built `gatehouse serve` (the same bundle users run) in production mode on a throwaway SQLite
 * file, in its own process so the load generator does not share its event loop.
 */
export async function startServer(extraConfig = ''): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const config = join(dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    `issuer: http://127.0.0.1:${port}
listen: { host: 127.0.0.1, port: ${port} }
secret: bench-secret-bench-secret-bench-secret
encryptionKeys: [{ id: b1, key: ${Buffer.alloc(32, 3).toString('base64')} }]
database: { url: "sqlite:${join(dir, 'bench.db')}" }
http: { rateLimit: { maxRequestsPerIp: 100000000, maxRequestsPerUser: 100000000 } }
log: { level: warn }
${extraConfig}`,
  );
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, resolve(import.meta.dirname, '../bin/gatehouse.js'), 'serve', '--config', config],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ready, fail) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) ready();
    });
    child.once('exit', (code) => fail(new Error(`server exited ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dbPath: join(dir, 'bench.db'),
    process: child,
    stop: () => child.kill('SIGINT'),
  };
}

/** `gatehouse demo` (the demo MCP server over Streamable HTTP) in its own process on a loopback port. */
export async function startDemoProcess(): Promise<{ url: string; stop(): void }> {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const demo = spawn(
    process.execPath,
    [resolve(import.meta.dirname, '../bin/gatehouse.js'), 'demo', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ready) =>
    demo.stdout?.on('data', (chunk) => String(chunk).includes('demo MCP') && ready()),
  );
  return { url: `http://127.0.0.1:${port}/mcp`, stop: () => demo.kill() };
}
