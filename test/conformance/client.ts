/**
 * Runs the official MCP conformance suite's `client` mode against Gatehouse's OAuth MCP client (the code
 * behind `gatehouse client`, src/client) through test/conformance/client-adapter.ts: the auth suite, and
 * exactly what the 2025-11-25 and 2026-07-28 revisions require (`--requirements`). Fails on any FAILURE or
 * WARNING in a scored scenario that expected-failures-client.yml does not list (a list that may only
 * shrink); scenarios a revision does not score (extensions, added after its release) are run and reported.
 *
 * Then the same for the hub's OAuth client of upstream servers (test/conformance/hub-client-adapter.ts):
 * the auth suite, and the auth scenarios the 2026-07-28 revision requires.
 *
 * Usage: node --import tsx test/conformance/client.ts   (part of npm run conformance)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { collectChecks, NODE22_BIN, RUNNER, readExpectedFailures, SUITE } from './checks';

const OUT = join(import.meta.dirname, '../../test-results/conformance-client');
const adapter = (file: string) => `${process.execPath} --import tsx ${join(import.meta.dirname, file)}`;
const ADAPTER = adapter('client-adapter.ts');
/** The hub's OAuth client of upstream servers (src/gateway/hub/upstream-oauth.ts), wired as the hub wires it. */
const HUB_ADAPTER = adapter('hub-client-adapter.ts');
const REQUIREMENTS = join(RUNNER, 'node_modules/@modelcontextprotocol/conformance/requirements');
const expected = readExpectedFailures(join(import.meta.dirname, 'expected-failures-client.yml'));

if (!existsSync(SUITE)) {
  console.error(`conformance suite not installed: run (cd ${RUNNER} && npm ci)`);
  process.exit(2);
}

/** Scenario folders are `<scenario>-<timestamp>` (auth scenarios nested under auth/). */
function scenarioFolders(dir: string): Array<{ scenario: string; path: string }> {
  const found: Array<{ scenario: string; path: string }> = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path, { withFileTypes: true })) {
      if (!name.isDirectory()) continue;
      const full = join(path, name.name);
      if (existsSync(join(full, 'checks.json')))
        found.push({ scenario: relative(dir, full).replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, ''), path: full });
      else walk(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

async function run(
  label: string,
  args: string[],
  scored: (scenario: string) => boolean,
  expectedScenarios?: number,
  command = ADAPTER,
): Promise<number> {
  const out = join(OUT, label);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const child = spawn(SUITE, ['client', '--command', command, ...args, '-o', out], {
    env: { ...process.env, PATH: `${NODE22_BIN}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));

  let problems = 0;
  let passed = 0;
  const notScored: string[] = [];
  const folders = scenarioFolders(out);
  for (const { scenario, path } of folders) {
    const checks = collectChecks(path);
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    if (!scored(scenario)) {
      if (bad.length > 0) notScored.push(scenario);
      continue;
    }
    passed += checks.filter((c) => c.status === 'SUCCESS').length;
    for (const check of bad) {
      const listed = expected.has(`${scenario}:${check.id}`);
      console.log(
        `  ${listed ? 'expected ' : ''}${check.status} ${scenario} ${check.id}: ${check.errorMessage ?? check.description ?? ''}`,
      );
      if (!listed) problems++;
    }
  }
  const scoredRan = folders.filter(({ scenario }) => scored(scenario)).length;
  if (expectedScenarios !== undefined && scoredRan < expectedScenarios) {
    console.log(`  only ${scoredRan} of the ${expectedScenarios} required scenarios ran (a false pass)`);
    problems++;
  }
  if (folders.length === 0) {
    console.log(`  no scenario ran; suite output:\n${output.slice(-2000)}`);
    problems++;
  }
  console.log(
    `conformance client ${label}: ${folders.length} scenarios, ${passed} checks passed, ${problems} unexpected failures or warnings (suite exit ${code}, ${Math.round((Date.now() - started) / 1000)} s)`,
  );
  if (notScored.length > 0) console.log(`  not scored by this revision, failing: ${notScored.join(', ')}`);
  return problems;
}

function requiredScenarios(revision: string): Set<string> {
  const file = parse(readFileSync(join(REQUIREMENTS, `${revision}.yaml`), 'utf8')) as { client?: string[] };
  return new Set(file.client ?? []);
}

let problems = await run('suite-auth', ['--suite', 'auth'], () => true);
for (const revision of ['2025-11-25', '2026-07-28']) {
  const required = requiredScenarios(revision);
  problems += await run(
    `requirements-${revision}`,
    ['--requirements', revision],
    (s) => required.has(s),
    required.size,
  );
}
// The hub's client of upstream servers: every auth scenario of the suite, and every auth scenario the
// 2026-07-28 revision requires (the others exercise an MCP host, which the hub's client is not).
problems += await run('hub-suite-auth', ['--suite', 'auth'], () => true, undefined, HUB_ADAPTER);
const requiredAuth = new Set([...requiredScenarios('2026-07-28')].filter((s) => s.startsWith('auth/')));
problems += await run(
  'hub-requirements-2026-07-28',
  ['--requirements', '2026-07-28'],
  (s) => requiredAuth.has(s),
  requiredAuth.size,
  HUB_ADAPTER,
);
process.exit(problems > 0 ? 1 : 0);
