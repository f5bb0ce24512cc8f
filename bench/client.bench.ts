/**
 * The first-party clients, as a user feels them:
 * - `gatehouse client`: wall time of one command (a process start, the MCP call, exit) with tokens already
 *   stored, against `gatehouse --help` (the bare process start) in the same run; and the first command,
 *   which also registers (DCR) and signs in through the pages (the person played by test/support).
 * - the playground: one tool call through the page (POST /playground/call: the page lists the tools and
 *   calls one through Gatehouse in process, then renders) against the same `echo` sent straight to /mcp
 *   with a bearer, at 1 and 8 connections.
 * Gatehouse runs as the built `gatehouse serve` in its own process (production mode, demo upstream).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mcpPostHeaders } from '../test/support/mcp-call';
import { accessTokenThroughPages, createBrowser, csrfFrom, devLogin } from '../test/support/oauth-driver';
import { type LoadResult, load, printTable, startServer } from './support';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const runs = Number(process.env.BENCH_RUNS ?? 10);
const REDIRECT = 'http://127.0.0.1:9/callback';
const BIN = resolve(import.meta.dirname, '../bin/gatehouse.js');
const PAGE_BROWSER = `${process.execPath} --import tsx ${resolve(import.meta.dirname, '../test/support/page-browser.ts')}`;

const server = await startServer(`
devLogin: { enabled: true, allowInsecureDevLogin: true }
access: { allowAnyone: true }
clients: [{ clientId: bench, clientName: Bench, redirectUris: ["${REDIRECT}"] }]
`);
const mcp = `${server.url}/mcp`;

function timed(args: string[], env: Record<string, string> = {}): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

try {
  const state = join(mkdtempSync(join(tmpdir(), 'gatehouse-bench-client-')), 'client.json');
  const call = ['client', mcp, 'call', 'echo', '--args', '{"text":"hi"}', '--state', state];
  const first = timed(call, { BROWSER: PAGE_BROWSER });
  const stored: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(timed(['--help']));
    stored.push(timed(call));
  }
  console.log(`\n### gatehouse client (median of ${runs}, wall ms)`);
  console.log('| command | ms |');
  console.log('|---|---:|');
  console.log(`| gatehouse --help (process start) | ${Math.round(median(bare))} |`);
  console.log(`| client call echo, tokens stored | ${Math.round(median(stored))} |`);
  console.log(
    `| client call echo, first time (DCR + sign-in through the pages, once) | ${Math.round(first)} |`,
  );

  // The playground, connected through the pages; then the same echo straight to /mcp with a bearer.
  const browser = createBrowser(server.url);
  await devLogin(browser, 'bench@example.com');
  const page = await (await browser.get('/playground')).text();
  const started = await browser.post('/playground/connect', { csrf: csrfFrom(page), endpoint: '/mcp' });
  let answer = await browser.get(started.headers.get('location') ?? '');
  const consentAt = answer.headers.get('location') ?? '';
  const consent = await (await browser.get(consentAt)).text();
  answer = await browser.post('/oauth/consent', {
    authz: new URL(consentAt, server.url).searchParams.get('authz') ?? '',
    csrf: csrfFrom(consent),
    decision: 'approve',
    scope: [...consent.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1] ?? ''),
  });
  const callback = new URL(answer.headers.get('location') ?? '');
  await browser.get(callback.pathname + callback.search);
  const opened = await (await browser.get('/playground?endpoint=%2Fmcp')).text();
  const form = new URLSearchParams({
    csrf: csrfFrom(opened),
    endpoint: '/mcp',
    tool: 'echo',
    'arg.text': 'hi',
  });
  const check = await browser.post('/playground/call', Object.fromEntries(form));
  if (!(await check.text()).includes('id="result"')) throw new Error('the playground did not show a result');

  const token = await accessTokenThroughPages(
    server.url,
    { clientId: 'bench', redirectUri: REDIRECT },
    { browser },
  );
  const rows: LoadResult[] = [];
  for (const connections of [1, 8]) {
    rows.push(
      await load('/mcp tools/call echo (bearer)', mcp, connections, seconds, {
        method: 'POST',
        headers: mcpPostHeaders(token),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'hi' } },
        }),
      }),
    );
    rows.push(
      await load('POST /playground/call echo (page)', `${server.url}/playground/call`, connections, seconds, {
        method: 'POST',
        headers: { cookie: browser.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }),
    );
  }
  console.log('\n### playground page vs a direct MCP call');
  printTable(rows);
} finally {
  server.stop();
}
