/**
 * Runs the official MCP conformance suite's `server` mode twice per protocol revision: against the demo MCP
 * server directly, and against Gatehouse's protected `/mcp` endpoint through a loopback proxy that adds a
 * valid bearer token (the suite sends no credentials). Prints both pass counts; fails when a check fails
 * through Gatehouse that is not listed in expected-failures-server.yml, or when Gatehouse passes fewer
 * checks than the server alone (the gateway must lose nothing).
 *
 * Usage: node --import tsx test/conformance/server.ts   (npm run conformance:server)
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createEchoMcpHandler } from '../../src/demo/echo-server';
import { listen } from '../../src/http';
import { startTestGatehouse } from '../support/gatehouse';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';
import { type Check, collectChecks, NODE22_BIN, readExpectedFailures, SUITE } from './checks';

const OUT = join(import.meta.dirname, '../../test-results/conformance-server');
const REVISIONS = ['2025-11-25', '2026-07-28'];
const REDIRECT = 'http://127.0.0.1:9/callback';

const expected = readExpectedFailures(join(import.meta.dirname, 'expected-failures-server.yml'));

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
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: () => server.close(),
  };
}

const gatehouse = await startTestGatehouse({
  clients: [{ clientId: 'conformance-server', clientName: 'Conformance proxy', redirectUris: [REDIRECT] }],
});
const pkce = await pkcePair();
const landed = await authorizeThroughPages(
  createBrowser(gatehouse.url),
  authorizeUrl(gatehouse.url, {
    response_type: 'code',
    client_id: 'conformance-server',
    redirect_uri: REDIRECT,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  }),
);
const tokens = await tokenRequest(gatehouse.url, {
  grant_type: 'authorization_code',
  code: landed.searchParams.get('code') ?? '',
  code_verifier: pkce.verifier,
  redirect_uri: REDIRECT,
  client_id: 'conformance-server',
});
const proxy = await startBearerProxy(`${gatehouse.url}/mcp`, tokens.body.access_token ?? '');

// The same demo server, alone, for the baseline.
const mcp = createEchoMcpHandler();
const direct = new Hono();
direct.all('/mcp', (c) => mcp.fetch(c.req.raw));
const directServer = await listen(direct, '127.0.0.1', 0);

let problems = 0;
try {
  for (const revision of REVISIONS) {
    const alone = await runSuite(`${directServer.url}/mcp`, revision, join(OUT, revision, 'direct'));
    const through = await runSuite(proxy.url, revision, join(OUT, revision, 'gatehouse'));
    const passed = (checks: Check[]) => checks.filter((c) => c.status === 'SUCCESS').length;
    const failing = through.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    const unexpected = failing.filter((c) => !expected.has(c.id));
    console.log(
      `conformance server ${revision}: direct ${passed(alone)}/${alone.length} passed, through Gatehouse ${passed(through)}/${through.length} passed, ${failing.length} failing (${unexpected.length} unexpected)`,
    );
    for (const check of failing) {
      console.log(
        `  ${expected.has(check.id) ? 'expected ' : ''}${check.status} ${check.id}: ${(check.errorMessage ?? '').slice(0, 160)}`,
      );
    }
    problems += unexpected.length;
    if (passed(through) < passed(alone)) {
      console.log('  Gatehouse passes fewer checks than the server alone');
      problems++;
    }
  }
} finally {
  proxy.close();
  await directServer.close();
  await mcp.close();
  await gatehouse.close();
}
process.exit(problems > 0 ? 1 : 0);
