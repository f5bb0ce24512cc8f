import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/databases';
import { startCluster } from './cluster';
import { checkInvariants, leakedSecrets, runMixedLoad } from './load';

// A short version of bench/chaos.bench.ts for every CI run: the same load and invariants, 15 s.
describe.skipIf(!postgresUrl)(
  'a mixed load across three instances while one is killed (SIGKILL) and restarted',
  () => {
    let cluster: Awaited<ReturnType<typeof startCluster>>;
    beforeAll(async () => {
      cluster = await startCluster(3, 'info');
    }, 60_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it('loses and duplicates no grant, forks no refresh family, answers no 500, and logs no secret', {
      timeout: 90_000,
    }, async () => {
      const report = await runMixedLoad(cluster, 15);
      const invariants = await checkInvariants(cluster, report);
      expect(report.outcomes['chaos restarted-instance-1']).toBe(1);
      expect(report.exchangedGrants.length).toBeGreaterThan(5);
      expect(invariants).toEqual({ forkedFamilies: 0, duplicatedGrants: 0, lostGrants: 0 });
      expect(report.serverErrors).toBe(0);
      expect(report.chainsLost, JSON.stringify(report.outcomes)).toBe(0);
      const output = cluster.output();
      expect(output).toContain('"msg":"request"'); // the scan reads real request logs
      expect(leakedSecrets(output)).toEqual([]);
    });
  },
);
