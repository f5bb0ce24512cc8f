/**
 * Authorization-server figures: code exchanges/s, refreshes/s, and bearer verifications/s against
 * /healthz (unprotected) with 1k and 100k stored grants and tokens (the lookup must stay flat), with the
 * verification cache off and on. Server: the built `gatehouse serve`, SQLite, in its own process.
 */
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/store';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  devLogin,
  pkcePair,
  tokenRequest,
} from '../test/support/oauth-driver';
import { cpuMicrosOf, type LoadResult, load, printTable, printTarget, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const REDIRECT = 'http://127.0.0.1:9/callback';
const extra = (cacheSeconds: number) => `
devLogin: { enabled: true, allowInsecureDevLogin: true }
access: { allowAnyone: true }
tokens: { verificationCacheSeconds: ${cacheSeconds} }
clients: [{ clientId: bench, clientName: Bench, redirectUris: ["${REDIRECT}"] }]
`;

async function codes(base: string, count: number, email = 'bench@example.com') {
  const browser = createBrowser(base);
  await devLogin(browser, email);
  const out: Array<{ code: string; verifier: string }> = [];
  for (let i = 0; i < count; i++) {
    const pkce = await pkcePair();
    const landed = await authorizeThroughPages(
      browser,
      authorizeUrl(base, {
        response_type: 'code',
        client_id: 'bench',
        redirect_uri: REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    out.push({ code: landed.searchParams.get('code') ?? '', verifier: pkce.verifier });
  }
  return out;
}

/** Runs `workers` loops of `step` for `ms`; operations per second and the server's CPU per operation. */
async function loop(
  workers: number,
  ms: number,
  step: (worker: number) => Promise<boolean>,
): Promise<{ perSecond: number; cpuMicros: number }> {
  let done = 0;
  const cpuBefore = cpuMicrosOf(serverPid);
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
    cpuMicros: Math.round((cpuMicrosOf(serverPid) - cpuBefore) / Math.max(done, 1)),
  };
}

async function seed(dbPath: string, rows: number) {
  const database = openDatabase(`sqlite:${dbPath}`);
  const expires = Date.now() + 86_400_000;
  for (let i = 0; i < rows; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, rows - i) }, () =>
      randomBytes(32).toString('base64url'),
    );
    await database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('oauth_grants')
        .values(
          batch.map((id) => ({
            id,
            user_hash: id,
            client_id: 'bench',
            sealed: 'x',
            created_at: 0,
            last_used_at: 0,
            expires_at: expires,
          })),
        )
        .execute();
      await trx
        .insertInto('oauth_access_tokens')
        .values(batch.map((id) => ({ token_hash: id, grant_id: id, sealed: 'x', expires_at: expires })))
        .execute();
    });
  }
  await database.close();
}

const server = await startServer(extra(0));
const serverPid = server.process.pid ?? 0;
const base = server.url;
const dbPath = server.dbPath;

// Code exchanges: codes minted through the real login + consent pages first, then exchanged by 16 workers.
console.log('minting codes through the login and consent pages…');
const minted = await codes(base, 600);
console.log(`minted ${minted.length}`);
let next = 0;
const exchanges = await loop(16, seconds * 1000, async () => {
  const item = minted[next++];
  if (!item) return false;
  const res = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: item.code,
    code_verifier: item.verifier,
    redirect_uri: REDIRECT,
    client_id: 'bench',
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return true;
});

// Refreshes: 32 independent rotating chains, one per user (one grant per user and client).
const chains: string[] = [];
for (let user = 0; user < 32; user++) {
  const [item] = await codes(base, 1, `user${user}@example.com`);
  if (!item) throw new Error('no code');
  const res = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: item.code,
    code_verifier: item.verifier,
    redirect_uri: REDIRECT,
    client_id: 'bench',
  });
  chains.push(res.body.refresh_token ?? '');
}
let accessToken = '';
const refreshes = await loop(32, seconds * 1000, async (worker) => {
  const res = await tokenRequest(base, {
    grant_type: 'refresh_token',
    refresh_token: chains[worker],
    client_id: 'bench',
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  chains[worker] = res.body.refresh_token ?? '';
  accessToken = res.body.access_token ?? '';
  return true;
});

// PUT: the gate verifies the token, then the endpoint refuses the method at once (405) without an
// upstream, so a protected request and a refused one differ by the bearer check alone.
const bearer = { method: 'PUT' as const, headers: { authorization: `Bearer ${accessToken}` } };
const rows: LoadResult[] = [
  await load('/healthz (unprotected)', `${base}/healthz`, 32, seconds, {}, serverPid),
];
const count = async () => {
  const database = openDatabase(`sqlite:${dbPath}`);
  const row = await database.db
    .selectFrom('oauth_access_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  await database.close();
  return Number(row.n);
};
console.log('seeding 1k tokens…');
await seed(dbPath, 1000 - (await count()));
const uncached1k = await load(
  `PUT /mcp bearer, ${await count()} tokens, no cache`,
  `${base}/mcp`,
  32,
  seconds,
  bearer,
  serverPid,
);
rows.push(uncached1k);
console.log('seeding 100k tokens…');
await seed(dbPath, 100_000 - (await count()));
const uncached100k = await load(
  `PUT /mcp bearer, ${await count()} tokens, no cache`,
  `${base}/mcp`,
  32,
  seconds,
  bearer,
  serverPid,
);
rows.push(uncached100k);
const refused = await load(
  'PUT /mcp without a token (401)',
  `${base}/mcp`,
  32,
  seconds,
  { method: 'PUT' },
  serverPid,
);
rows.push(refused);
server.stop();

const cached = await startServer(extra(5));
const warm = await codes(cached.url, 1);
const cachedToken = (
  await tokenRequest(cached.url, {
    grant_type: 'authorization_code',
    code: warm[0]?.code,
    code_verifier: warm[0]?.verifier,
    redirect_uri: REDIRECT,
    client_id: 'bench',
  })
).body.access_token;
const cachedPid = cached.process.pid ?? 0;
rows.push(
  await load('/healthz (unprotected), 2nd server', `${cached.url}/healthz`, 32, seconds, {}, cachedPid),
);
const refusedCached = await load(
  'PUT /mcp without a token (401), 2nd server',
  `${cached.url}/mcp`,
  32,
  seconds,
  { method: 'PUT' },
  cachedPid,
);
rows.push(refusedCached);
const cachedRow = await load(
  'PUT /mcp bearer, 5 s verification cache',
  `${cached.url}/mcp`,
  32,
  seconds,
  { method: 'PUT', headers: { authorization: `Bearer ${cachedToken}` } },
  cachedPid,
);
rows.push(cachedRow);
cached.stop();

console.log(
  `code exchanges: ${exchanges.perSecond}/s, ${exchanges.cpuMicros} µs server CPU each (16 workers, ${Math.min(next, minted.length)} codes, each a grant of its own)`,
);
console.log(
  `refresh grants: ${refreshes.perSecond}/s, ${refreshes.cpuMicros} µs server CPU each (32 rotating chains)\n`,
);
printTable(rows);
console.log(
  "\nPUT /mcp with a valid bearer: the gate verifies it, then the endpoint answers 405 (no upstream). The bearer check's extra CPU: that minus PUT /mcp without a token (the same route, refused before the check).",
);
const extraCpu = (row: LoadResult, baseline: LoadResult) =>
  (row.cpuMicrosPerRequest ?? Number.NaN) - (baseline.cpuMicrosPerRequest ?? Number.NaN);
printTarget(
  'bearer extra CPU, cached',
  extraCpu(cachedRow, refusedCached),
  ' µs',
  '<= 40 µs',
  extraCpu(cachedRow, refusedCached) <= 40,
);
printTarget(
  'bearer extra CPU, uncached',
  extraCpu(uncached100k, refused),
  ' µs',
  '<= 100 µs',
  extraCpu(uncached100k, refused) <= 100,
);
const flat = uncached100k.requestsPerSecond / uncached1k.requestsPerSecond;
printTarget('bearer throughput 100k/1k tokens (flat)', Number(flat.toFixed(2)), '', '>= 0.9', flat >= 0.9);
const protectedRatio = cachedRow.requestsPerSecond / refusedCached.requestsPerSecond;
printTarget(
  'protected/unprotected throughput, same route, cached, c=32',
  Number(protectedRatio.toFixed(2)),
  '',
  '>= 0.8',
  protectedRatio >= 0.8,
);
printTarget(
  'refresh grants/s (SQLite, 32 chains)',
  refreshes.perSecond,
  '/s',
  '>= 2000/s',
  refreshes.perSecond >= 2000,
);
printTarget('refresh CPU per grant', refreshes.cpuMicros, ' µs', '<= 400 µs', refreshes.cpuMicros <= 400);
printTarget('code exchanges/s', exchanges.perSecond, '/s', '>= 1000/s', exchanges.perSecond >= 1000);
