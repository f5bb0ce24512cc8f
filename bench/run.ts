/**
 * `npm run bench`: runs every bench script in this folder in turn. Each prints its own figures.
 * Compare ratios within one run: absolute numbers move with the machine's load.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2];
const scripts = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => !only || name.includes(only))
  .sort();

for (const script of scripts) {
  console.log(`\n## ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script)], {
    stdio: 'inherit',
    // The test helpers the benches reuse would warn that PostgreSQL tests are skipped: not a bench's concern.
    env: { ...process.env, GATEHOUSE_QUIET_SKIP: '1' },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
