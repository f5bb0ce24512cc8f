/**
 * Runs the official MCP conformance suite's `authorization` mode against a real Gatehouse, for every spec
 * revision, and drives its interactive grant scenario through the real pages in headless Chromium (dev login,
 * consent, Approve — no auto-approve back door). Prints pass counts; exits 1 on any FAILURE or WARNING that
 * is not listed in expected-failures.yml (a list that may only shrink).
 *
 * Usage: node --import tsx test/conformance/authorization.ts   (npm run conformance)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { approveInChromium, launchChromium } from '../support/chromium';
import { freePort, startTestGatehouse } from '../support/gatehouse';
import { collectChecks, NODE22_BIN, RUNNER, readExpectedFailures, SUITE } from './checks';

const REVISIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'];
const OUT = join(import.meta.dirname, '../../test-results/conformance');
const PROMPT = 'Access the following URL in your browser';

if (!existsSync(SUITE)) {
  console.error(`conformance suite not installed: run (cd ${RUNNER} && npm ci)`);
  process.exit(2);
}

const expected = readExpectedFailures(join(import.meta.dirname, 'expected-failures.yml'));

const callbackPort = await freePort();
const gatehouse = await startTestGatehouse({
  clients: [
    {
      clientId: 'conformance',
      clientName: 'MCP conformance suite',
      redirectUris: [`http://127.0.0.1:${callbackPort}/callback`],
    },
  ],
});
const browser = await launchChromium();
let problems = 0;

try {
  for (const revision of REVISIONS) {
    const out = join(OUT, revision);
    mkdirSync(out, { recursive: true });
    const child = spawn(
      SUITE,
      [
        'authorization',
        '--url',
        gatehouse.url,
        '--client-id',
        'conformance',
        '--resource',
        `${gatehouse.url}/mcp`,
        '-p',
        String(callbackPort),
        '-o',
        out,
        '--spec-version',
        revision,
      ],
      {
        env: { ...process.env, PATH: `${NODE22_BIN}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let driving: Promise<unknown> | undefined;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const at = output.indexOf(PROMPT);
      if (at >= 0 && !driving) {
        const url = /https?:\/\/\S+/.exec(output.slice(at))?.[0];
        if (url) {
          driving = browser
            .newPage()
            .then((page) =>
              approveInChromium(page, url, `http://127.0.0.1:${callbackPort}/callback`).finally(() =>
                page.close(),
              ),
            )
            .catch((error: unknown) => console.error(`[${revision}] browser driver failed:`, error));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    await driving;

    const checks = collectChecks(out);
    const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    const unexpected = bad.filter((c) => !expected.has(c.id));
    const passed = checks.filter((c) => c.status === 'SUCCESS').length;
    console.log(
      `conformance authorization ${revision}: ${passed} passed, ${bad.length} failed or warned (${unexpected.length} unexpected), suite exit ${code}`,
    );
    for (const check of bad)
      console.log(`  ${check.status} ${check.id}: ${check.errorMessage ?? check.description ?? ''}`);
    // Guard against the suite's false pass: the grant scenario must have run and succeeded.
    if (!checks.some((c) => c.id === 'authorization-code-grant' && c.status === 'SUCCESS')) {
      console.log(
        `  the authorization-code-grant scenario did not pass; suite output:\n${output.slice(-2000)}`,
      );
      problems++;
    }
    if (code !== 0) problems++;
    problems += unexpected.length;
  }
} finally {
  await browser.close();
  await gatehouse.close();
}
process.exit(problems > 0 ? 1 : 0);
