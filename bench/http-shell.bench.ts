/**
 * Baseline for later overhead figures: /healthz (process only) and /readyz (one database round trip)
 * at concurrency 1 and 32, plus the server's RSS at idle and after the run.
 */
import { load, printTable, rssMbOf, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const server = await startServer();
const pid = server.process.pid ?? 0;
await new Promise((r) => setTimeout(r, 1000));
const idle = rssMbOf(pid);
const rows = [];
for (const path of ['/healthz', '/readyz']) {
  for (const connections of [1, 32])
    rows.push(await load(path, `${server.url}${path}`, connections, seconds));
}
const after = rssMbOf(pid);
printTable(rows);
console.log(
  `\nserver RSS: idle ${idle} MB, after load ${after} MB (gatehouse serve, SQLite, log level warn)`,
);
server.stop();
