/**
 * The bearer check: a protected request against the same route refused without a token, uncached with
 * 1k and 1M stored grants and tokens (the lookup must stay flat) and with the verification cache; and
 * /healthz (unprotected) for scale. Server: the built `gatehouse serve`, SQLite, in its own process.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { tokenRequest } from '../test/support/oauth-driver';
import { BENCH_REDIRECT, benchClientConfig, mintCodes } from './codes';
import { type LoadResult, load, printTable, printTarget, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const extra = (cacheSeconds: number) =>
  benchClientConfig(`tokens: { verificationCacheSeconds: ${cacheSeconds} }`);

/** Adds `rows` grants with one access token each, straight into the SQLite file (one transaction). */
function seed(dbPath: string, rows: number) {
  const db = new Database(dbPath);
  const expires = Date.now() + 86_400_000;
  const grant = db.prepare(
    "insert into oauth_grants (id, user_hash, client_id, sealed, created_at, last_used_at, expires_at) values (?, ?, 'bench', 'x', 0, 0, ?)",
  );
  const token = db.prepare(
    "insert into oauth_access_tokens (token_hash, grant_id, sealed, expires_at) values (?, ?, 'x', ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = randomBytes(32).toString('base64url');
      grant.run(id, id, expires);
      token.run(id, id, expires);
    }
  })();
  // As a database at rest would be: the rows in the main file, not in a write-ahead log that every
  // read of the server would consult.
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

const server = await startServer(extra(0));
const serverPid = server.process.pid ?? 0;
const base = server.url;
const dbPath = server.dbPath;

// One access token for the load: from a code minted through the real login and consent pages.
const [item] = await mintCodes(base, 1);
const accessToken = (
  await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: item?.code,
    code_verifier: item?.verifier,
    redirect_uri: BENCH_REDIRECT,
    client_id: 'bench',
  })
).body.access_token;

// PUT: the gate verifies the token, then the endpoint refuses the method at once (405) without an
// upstream, so a protected request and a refused one differ by the bearer check alone.
const bearer = { method: 'PUT' as const, headers: { authorization: `Bearer ${accessToken}` } };
const rows: LoadResult[] = [
  await load('/healthz (unprotected)', `${base}/healthz`, 32, seconds, {}, serverPid),
];
const count = () => {
  const db = new Database(dbPath, { readonly: true });
  const row = db.prepare('select count(*) as n from oauth_access_tokens').get() as { n: number };
  db.close();
  return row.n;
};
// A warm-up first: the first load after start-up also pays for compiling the hot paths.
await load('warm-up', `${base}/mcp`, 32, 1, bearer);
const uncached: LoadResult[] = [];
for (const stored of [1000, 1_000_000]) {
  console.log(`seeding ${stored} tokens…`);
  seed(dbPath, stored - count());
  const row = await load(
    `PUT /mcp bearer, ${count()} tokens, no cache`,
    `${base}/mcp`,
    32,
    seconds,
    bearer,
    serverPid,
  );
  uncached.push(row);
  rows.push(row);
}
const [uncached1k, uncached1m] = uncached as [LoadResult, LoadResult];
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
const warm = await mintCodes(cached.url, 1);
const cachedToken = (
  await tokenRequest(cached.url, {
    grant_type: 'authorization_code',
    code: warm[0]?.code,
    code_verifier: warm[0]?.verifier,
    redirect_uri: BENCH_REDIRECT,
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
  extraCpu(uncached1m, refused),
  ' µs',
  '<= 100 µs',
  extraCpu(uncached1m, refused) <= 100,
);
const flat = uncached1m.requestsPerSecond / uncached1k.requestsPerSecond;
printTarget('bearer throughput 1M/1k tokens (flat)', Number(flat.toFixed(2)), '', '>= 0.9', flat >= 0.9);
const protectedRatio = cachedRow.requestsPerSecond / refusedCached.requestsPerSecond;
printTarget(
  'protected/unprotected throughput, same route, cached, c=32',
  Number(protectedRatio.toFixed(2)),
  '',
  '>= 0.8',
  protectedRatio >= 0.8,
);
