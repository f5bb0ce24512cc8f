import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInChromium, chromiumAvailable, launchChromium } from '../support/chromium';
import { demoResource, freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

const CLIENT = resolve(import.meta.dirname, '../../node_modules/mcp-remote/dist/client.js');

/** mcp-remote's own test client (`mcp-remote-client`), run as a user runs it; its output, once it exits. */
function runMcpRemote(url: string, port: number, configDir: string) {
  const child: ChildProcess = spawn(process.execPath, [CLIENT, url, String(port)], {
    env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir, PATH: '/nonexistent', DISPLAY: '' },
    // stdin stays open: mcp-remote-client shuts down when it closes.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    output: () => output,
    exited,
    /** the authorization URL it prints when it cannot open a browser */
    authorizationUrl: () =>
      new Promise<string>((found, fail) => {
        const look = () => {
          const match = /Please authorize this client by visiting:\s+(\S+)/.exec(output);
          if (match?.[1]) found(match[1]);
          else if (child.exitCode !== null) fail(new Error(`mcp-remote exited: ${output}`));
          else setTimeout(look, 50);
        };
        look();
      }),
  };
}

describe.skipIf(!chromiumAvailable)('mcp-remote (the npm package, as a user runs it)', () => {
  let gh: TestGatehouse;
  let browser: Browser;
  let offset = 0;
  const configDir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-remote-'));
  beforeAll(async () => {
    gh = await startTestGatehouse({ resources: [demoResource()] }, { now: () => Date.now() + offset });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('signs in through Chromium, lists the tools, and refreshes once the access token has expired', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const first = runMcpRemote(`${gh.url}/mcp`, port, configDir);
    const page = await browser.newPage();
    await approveInChromium(page, await first.authorizationUrl(), `http://localhost:${port}/oauth/callback`, {
      email: 'mcp-remote@example.com',
    });
    expect(await first.exited).toBe(0);
    expect(first.output(), first.output()).toContain('"name": "echo"');

    // An hour later the access token has expired: mcp-remote refreshes it, with no browser this time.
    offset += 3_700_000;
    const second = runMcpRemote(`${gh.url}/mcp`, port, configDir);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('"name": "echo"');
    expect(second.output()).not.toContain('Please authorize');
    const events = await gh.database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
  });
});
