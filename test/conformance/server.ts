/**
 * Runs the official MCP conformance suite's `server` mode per protocol revision: against the demo upstream
 * directly, then through each kind of Gatehouse endpoint over that same upstream: OAuth (shared credential),
 * personal access token, service token, BYOK (passthrough), and the hub (`/hub/mcp`, one catalog entry over
 * the upstream, its tools under their own names). `CONFORMANCE_MODES=hub,pat` runs only those modes. A loopback proxy adds the bearer (the suite
 * sends no credentials). Fails when a check fails through Gatehouse that is not listed in
 * expected-failures-server.yml, or when any mode passes fewer checks than the upstream alone (the gateway
 * must lose nothing; the hub what expected-hub-losses.yml lists, and no check it now passes).
 *
 * Usage: node --import tsx test/conformance/server.ts   (npm run conformance:server)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { accessTokenThroughPages, createBrowser, devLogin } from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';
import { type Check, collectChecks, NODE22_BIN, readExpectedFailures, SUITE } from './checks';

const OUT = join(import.meta.dirname, '../../test-results/conformance-server');
const REVISIONS = ['2025-11-25', '2026-07-28'];
const REDIRECT = 'http://127.0.0.1:9/callback';

// Results of an earlier run would be counted again: start empty.
rmSync(OUT, { recursive: true, force: true });
const expected = readExpectedFailures(join(import.meta.dirname, 'expected-failures-server.yml'));
// What the hub, an aggregator serving 2025 clients without sessions, cannot relay (see the file).
const hubLosses = readExpectedFailures(join(import.meta.dirname, 'expected-hub-losses.yml'));

async function runSuite(url: string, revision: string, out: string): Promise<Check[]> {
  mkdirSync(out, { recursive: true });
  const child = spawn(SUITE, ['server', '--url', url, '--requirements', revision, '-o', out], {
    env: { ...process.env, PATH: `${NODE22_BIN}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  await new Promise((resolve) => child.on('exit', resolve));
  return collectChecks(out);
}

/** Forwards every request to `target`, adding the bearer; streams bodies both ways (SSE included). */
async function startBearerProxy(target: string, token: string) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: upstream.pathname,
        method: req.method,
        headers: { ...req.headers, host: upstream.host, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`,
    close: () => server.close(),
  };
}

/** `gatehouse demo --conformance` on a free port: the demo with the suite's fixtures, as an operator runs it. */
async function startConformanceDemo() {
  const bin = join(import.meta.dirname, '../../bin/gatehouse.js');
  const child = spawn(process.execPath, [bin, 'demo', '--conformance', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /demo MCP server on (http:\/\/\S+\/mcp)/.exec(seen)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`gatehouse demo --conformance exited (${code}): ${seen}`)));
  });
  return { url, close: () => child.kill('SIGTERM') };
}

// The demo upstream, alone, for the baseline; every Gatehouse endpoint forwards to this same server.
const demo = await startConformanceDemo();
const upstream = { url: demo.url };
const scopes = [{ name: 'mcp:tools', description: 'Use the tools' }];
const SERVICE_TOKEN = 'conformance-service-token-0123456789abcdef';

const gatehouse = await startTestGatehouse({
  clients: [{ clientId: 'conformance-server', clientName: 'Conformance proxy', redirectUris: [REDIRECT] }],
  serviceToken: { token: SERVICE_TOKEN },
  resources: [
    { path: '/mcp', scopes, upstream, credential: { mode: 'shared', value: 'Bearer team-key' } },
    {
      path: '/service',
      scopes,
      auth: ['service'],
      upstream,
      credential: { mode: 'shared', value: 'Bearer team-key' },
    },
    { path: '/byok', auth: ['byok'], upstream, credential: { mode: 'passthrough' } },
  ],
  // The hub with one catalog entry over the same upstream, its tools shown under their own names.
  hub: {
    enabled: true,
    catalog: [
      {
        slug: 'conformance',
        name: 'Conformance',
        url: upstream.url,
        auth: { type: 'none' },
        toolPrefix: 'none',
      },
    ],
  },
});
const browser = createBrowser(gatehouse.url);
const accessToken = await accessTokenThroughPages(
  gatehouse.url,
  { clientId: 'conformance-server', redirectUri: REDIRECT },
  { browser },
);
await devLogin(browser);
const pat = await createPatThroughPage(browser, {
  name: 'conformance',
  resource: '/mcp',
  scope: 'mcp:tools',
  expires_days: '1',
});

const hubPat = await createHubPat(browser, 'conformance hub');

const modes = [
  { mode: 'oauth', path: '/mcp', bearer: accessToken },
  { mode: 'pat', path: '/mcp', bearer: pat.token ?? '' },
  { mode: 'service', path: '/service', bearer: SERVICE_TOKEN },
  { mode: 'byok', path: '/byok', bearer: 'demo_conformance-key' },
  { mode: 'hub', path: '/hub/mcp', bearer: hubPat },
].filter((m) => !process.env.CONFORMANCE_MODES || process.env.CONFORMANCE_MODES.split(',').includes(m.mode));
const proxies = await Promise.all(modes.map((m) => startBearerProxy(`${gatehouse.url}${m.path}`, m.bearer)));

let problems = 0;
// Hub checks by outcome over every revision: a listed loss that passes and fails nowhere is stale.
const hubPassed = new Set<string>();
const hubFailed = new Set<string>();
try {
  for (const revision of REVISIONS) {
    const alone = await runSuite(demo.url, revision, join(OUT, revision, 'direct'));
    const passed = (checks: Check[]) => checks.filter((c) => c.status === 'SUCCESS').length;
    console.log(`conformance server ${revision}: direct ${passed(alone)}/${alone.length} passed`);
    for (const [index, { mode }] of modes.entries()) {
      const through = await runSuite(proxies[index]?.url ?? '', revision, join(OUT, revision, mode));
      const failing = through.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
      if (mode === 'hub') {
        for (const check of through) if (check.status === 'SUCCESS') hubPassed.add(check.id);
        for (const check of failing) hubFailed.add(check.id);
      }
      const unexpected = failing.filter(
        (c) => !expected.has(c.id) && !(mode === 'hub' && hubLosses.has(c.id)),
      );
      console.log(
        `  through Gatehouse (${mode}): ${passed(through)}/${through.length} passed, ${failing.length} failing (${unexpected.length} unexpected)`,
      );
      for (const check of unexpected)
        console.log(`    ${check.status} ${check.id}: ${(check.errorMessage ?? '').slice(0, 160)}`);
      problems += unexpected.length;
      const lost = alone.filter(
        (c) =>
          c.status === 'SUCCESS' &&
          !through.some((t) => t.id === c.id && t.status === 'SUCCESS') &&
          !(mode === 'hub' && hubLosses.has(c.id)),
      );
      if (lost.length > 0) {
        console.log(`    passes fewer checks than the upstream alone: ${lost.map((c) => c.id).join(', ')}`);
        problems++;
      }
    }
  }
  // The list may only shrink: a loss the hub no longer has must leave it.
  const stale = [...hubLosses].filter((id) => hubPassed.has(id) && !hubFailed.has(id));
  if (stale.length > 0) {
    console.log(`  the hub now passes, remove from expected-hub-losses.yml: ${stale.join(', ')}`);
    problems += stale.length;
  }
} finally {
  for (const proxy of proxies) proxy.close();
  await gatehouse.close();
  demo.close();
}
process.exit(problems > 0 ? 1 : 0);
