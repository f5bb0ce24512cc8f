/**
 * Chaos: three `gatehouse serve` processes on one PostgreSQL, a bounded mixed load over loopback (code
 * flows, refresh chains, tool calls with OAuth tokens and a PAT) for CHAOS_SECONDS (default 120), one
 * process killed with SIGKILL a third of the way in and restarted. Prints outcomes by class and the
 * invariants: lost or duplicated grants, forked refresh families, 500s, secrets in the logs.
 * Needs GATEHOUSE_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).
 */
import { startCluster } from '../test/chaos/cluster';
import { checkInvariants, leakedSecrets, runMixedLoad } from '../test/chaos/load';

if (!process.env.GATEHOUSE_TEST_DATABASE_URL) {
  console.log('skipped: set GATEHOUSE_TEST_DATABASE_URL to a PostgreSQL server');
  process.exit(0);
}
const seconds = Number(process.env.CHAOS_SECONDS ?? 120);
const cluster = await startCluster(3, 'info');
try {
  const report = await runMixedLoad(cluster, seconds, 8);
  const invariants = await checkInvariants(cluster, report);
  console.log(`${seconds} s, 3 instances, instance 1 killed at ${Math.round(seconds / 3)} s and restarted`);
  console.log('| operation outcome | count |');
  console.log('|---|---:|');
  for (const [key, value] of Object.entries(report.outcomes).sort()) console.log(`| ${key} | ${value} |`);
  console.log(
    `grants from code exchanges: ${report.exchangedGrants.length}; lost: ${invariants.lostGrants}; duplicated: ${invariants.duplicatedGrants}; forked refresh families: ${invariants.forkedFamilies}; refresh chains ended unexplained: ${report.chainsLost}; HTTP 500s: ${report.serverErrors}`,
  );
  const leaks = leakedSecrets(cluster.output());
  console.log(
    `log lines scanned: ${cluster.output().split('\n').length}; secrets found: ${leaks.length ? leaks.join(', ') : 'none'}`,
  );
  if (
    invariants.lostGrants +
      invariants.duplicatedGrants +
      invariants.forkedFamilies +
      report.serverErrors +
      leaks.length >
    0
  )
    process.exitCode = 1;
} finally {
  await cluster.stop();
}
