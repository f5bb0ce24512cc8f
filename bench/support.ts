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
  /** autocannon's percentiles are whole milliseconds; the mean keeps the fraction */
  meanMs: number;
  non2xx: number;
  /** CPU the measured server process used per request (µs), when its pid was given */
  cpuMicrosPerRequest?: number;
}

/** Drives `url` with autocannon over loopback for `seconds`; `serverPid` adds the server's CPU per request. */
export async function load(
  label: string,
  url: string,
  connections: number,
  seconds = 5,
  options: Partial<autocannon.Options> = {},
  serverPid?: number,
): Promise<LoadResult> {
  const cpuBefore = serverPid ? cpuMicrosOf(serverPid) : 0;
  const result = await autocannon({ url, connections, duration: seconds, ...options });
  const cpu = serverPid ? cpuMicrosOf(serverPid) - cpuBefore : 0;
  return {
    label,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.mean,
    non2xx: result.non2xx + result.errors,
    ...(serverPid && result.requests.total > 0
      ? { cpuMicrosPerRequest: Math.round(cpu / result.requests.total) }
      : {}),
  };
}

export function printTable(rows: LoadResult[]): void {
  console.log('| endpoint | connections | req/s | p50 ms | mean ms | p99 ms | non-2xx | server CPU µs/req |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.label} | ${row.connections} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.meanMs.toFixed(2)} | ${row.p99Ms} | ${row.non2xx} | ${row.cpuMicrosPerRequest ?? ''} |`,
    );
  }
}

/** One target of the performance issue: its figure and whether this run met it. */
export function printTarget(name: string, figure: number, unit: string, goal: string, met: boolean): void {
  console.log(
    `target  ${name}: ${Number.isFinite(figure) ? figure : 'n/a'}${unit} (goal ${goal}) ${met ? 'met' : 'MISSED'}`,
  );
}

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux). */
export function cpuMicrosOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** The kernel's USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

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
export async function startServer(
  extraConfig = '',
  /** another database (PostgreSQL) instead of the throwaway SQLite file */
  databaseUrl?: string,
): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const config = join(dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    `issuer: http://127.0.0.1:${port}
listen: { host: 127.0.0.1, port: ${port} }
secret: bench-secret-bench-secret-bench-secret
encryptionKeys: [{ id: b1, key: ${Buffer.alloc(32, 3).toString('base64')} }]
database: { url: "${databaseUrl ?? `sqlite:${join(dir, 'bench.db')}`}" }
http: { rateLimit: { maxRequestsPerIp: 100000000, maxRequestsPerUser: 100000000 } }
log: { level: warn }
${extraConfig}`,
  );
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
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

/** The reference pass-through proxy (bench/reference-proxy.mjs) in its own process, in front of `upstream`. */
export async function startReferenceProxy(
  upstream: string,
): Promise<{ url: string; pid: number; stop(): void }> {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [resolve(import.meta.dirname, 'reference-proxy.mjs'), String(port), upstream],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ready) =>
    child.stdout?.on('data', (chunk) => String(chunk).includes('listening') && ready()),
  );
  return { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid ?? 0, stop: () => child.kill() };
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
