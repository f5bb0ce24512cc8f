/**
 * Token endpoint: code exchanges/s (16 workers, each code a grant of its own, minted through the real
 * login and consent pages first) and refresh grants/s over 32 rotating chains, with the server's CPU per
 * grant. On SQLite, and on PostgreSQL when GATEHOUSE_TEST_DATABASE_URL is set (a database of its own,
 * dropped after). Server: the built `gatehouse serve` in its own process.
 */
import { createPostgresDatabase, postgresUrl } from '../test/support/databases';
import { tokenRequest } from '../test/support/oauth-driver';
import { BENCH_REDIRECT, benchClientConfig, mintCodes } from './codes';
import { cpuMicrosOf, printTarget, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const CODES = 600;

/** Runs `workers` loops of `step` for `ms`; operations per second and the server's CPU per operation. */
async function loop(pid: number, workers: number, ms: number, step: (worker: number) => Promise<boolean>) {
  let done = 0;
  const cpuBefore = cpuMicrosOf(pid);
  const started = performance.now();
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (Date.now() < until) {
        if (!(await step(worker))) return;
        done++;
      }
    }),
  );
  // Real elapsed time: the workers stop early when they run out of work (codes).
  return {
    perSecond: Math.round(done / ((performance.now() - started) / 1000)),
    cpuMicros: Math.round((cpuMicrosOf(pid) - cpuBefore) / Math.max(done, 1)),
  };
}

async function measure(databaseUrl?: string) {
  const server = await startServer(benchClientConfig(), databaseUrl);
  const pid = server.process.pid ?? 0;
  try {
    const minted = await mintCodes(server.url, CODES);
    let next = 0;
    const exchanges = await loop(pid, 16, seconds * 1000, async () => {
      const item = minted[next++];
      if (!item) return false;
      const res = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: item.code,
        code_verifier: item.verifier,
        redirect_uri: BENCH_REDIRECT,
        client_id: 'bench',
      });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      return true;
    });
    // 32 independent rotating chains, one per user (one grant per user and client).
    const chains: string[] = [];
    for (let user = 0; user < 32; user++) {
      const [item] = await mintCodes(server.url, 1, `user${user}@example.com`);
      const res = await tokenRequest(server.url, {
        grant_type: 'authorization_code',
        code: item?.code,
        code_verifier: item?.verifier,
        redirect_uri: BENCH_REDIRECT,
        client_id: 'bench',
      });
      chains.push(res.body.refresh_token ?? '');
    }
    const refreshes = await loop(pid, 32, seconds * 1000, async (worker) => {
      const res = await tokenRequest(server.url, {
        grant_type: 'refresh_token',
        refresh_token: chains[worker],
        client_id: 'bench',
      });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      chains[worker] = res.body.refresh_token ?? '';
      return true;
    });
    return { exchanges, refreshes };
  } finally {
    server.stop();
  }
}

const sqlite = await measure();
let postgres: Awaited<ReturnType<typeof measure>> | undefined;
if (postgresUrl) {
  const database = await createPostgresDatabase();
  try {
    postgres = await measure(database.url);
  } finally {
    // The server holds connections until it exits; the drop forces them closed.
    await database.drop();
  }
}

console.log('| database | code exchanges/s | CPU µs each | refresh grants/s | CPU µs each |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, run] of [
  ['SQLite', sqlite],
  ['PostgreSQL', postgres],
] as const) {
  if (run)
    console.log(
      `| ${name} | ${run.exchanges.perSecond} | ${run.exchanges.cpuMicros} | ${run.refreshes.perSecond} | ${run.refreshes.cpuMicros} |`,
    );
  else console.log(`| ${name} | skipped: set GATEHOUSE_TEST_DATABASE_URL | | | |`);
}
console.log(`(exchanges: 16 workers over ${CODES} codes; refreshes: 32 rotating chains)`);
const { exchanges, refreshes } = sqlite;
printTarget(
  'refresh grants/s (SQLite, 32 chains)',
  refreshes.perSecond,
  '/s',
  '>= 2000/s',
  refreshes.perSecond >= 2000,
);
printTarget(
  'refresh CPU per grant (SQLite)',
  refreshes.cpuMicros,
  ' µs',
  '<= 400 µs',
  refreshes.cpuMicros <= 400,
);
printTarget('code exchanges/s (SQLite)', exchanges.perSecond, '/s', '>= 1000/s', exchanges.perSecond >= 1000);
if (postgres) {
  printTarget(
    'refresh grants/s (PostgreSQL, 32 chains)',
    postgres.refreshes.perSecond,
    '/s',
    '>= 2000/s',
    postgres.refreshes.perSecond >= 2000,
  );
  printTarget(
    'refresh CPU per grant (PostgreSQL)',
    postgres.refreshes.cpuMicros,
    ' µs',
    '<= 400 µs',
    postgres.refreshes.cpuMicros <= 400,
  );
  printTarget(
    'code exchanges/s (PostgreSQL)',
    postgres.exchanges.perSecond,
    '/s',
    '>= 1000/s',
    postgres.exchanges.perSecond >= 1000,
  );
}
