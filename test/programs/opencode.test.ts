import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInChromium, chromiumAvailable, launchChromium } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

const RUNNER = resolve(import.meta.dirname, 'runner');
const OPENCODE = join(RUNNER, 'node_modules/.bin/opencode');
/** opencode's own callback for MCP OAuth (fixed by opencode) */
const CALLBACK = 'http://127.0.0.1:19876/mcp/oauth/callback';
const installed = existsSync(OPENCODE);
if (!installed && !process.env.CI)
  console.warn(
    '\n[gatehouse] opencode test SKIPPED: run (cd test/programs/runner && npm ci) to install it.\n',
  );

/** The text without terminal escape sequences (ESC [ … letter). */
const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const ansi = (text: string) => text.replace(ESCAPE, '');

describe.skipIf(!chromiumAvailable || !(installed || process.env.CI))(
  'opencode (opencode-ai from npm, as a user runs it)',
  () => {
    let gh: TestGatehouse;
    let browser: Browser;
    let offset = 0;
    const data = mkdtempSync(join(tmpdir(), 'gatehouse-opencode-'));
    const project = join(data, 'project');
    // opencode installs its own helpers under its config folder on first run: kept between runs.
    const config = join(RUNNER, '.opencode-config');
    const env = {
      ...process.env,
      HOME: data,
      XDG_CONFIG_HOME: config,
      XDG_CACHE_HOME: join(RUNNER, '.opencode-cache'),
      XDG_DATA_HOME: join(data, 'share'),
      XDG_STATE_HOME: join(data, 'state'),
      DISPLAY: '',
      BROWSER: '/bin/false',
    };
    const run = (args: string[]) => {
      const child: ChildProcess = spawn(OPENCODE, args, {
        cwd: project,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      return {
        output: () => ansi(output),
        exited: new Promise<number | null>((done) => child.once('exit', (code) => done(code))),
      };
    };

    beforeAll(async () => {
      gh = await startTestGatehouse({ resources: [demoResource()] }, { now: () => Date.now() + offset });
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 'opencode.json'),
        JSON.stringify({ mcp: { gatehouse: { type: 'remote', url: `${gh.url}/mcp` } } }),
      );
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await gh?.close();
      rmSync(data, { recursive: true, force: true });
    });

    it('`opencode mcp auth` signs in through Chromium; after the access token expires it still connects (refresh)', {
      timeout: 120_000,
    }, async () => {
      const auth = run(['mcp', 'auth', 'gatehouse']);
      const url = await new Promise<string>((found, fail) => {
        const look = setInterval(() => {
          const match = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/.exec(auth.output());
          if (match?.[1]) {
            clearInterval(look);
            found(match[1]);
          }
        }, 100);
        auth.exited.then(() => {
          clearInterval(look);
          fail(new Error(`opencode exited: ${auth.output()}`));
        });
      });
      const page = await browser.newPage();
      await approveInChromium(page, url, CALLBACK, { email: 'opencode@example.com' });
      expect(await auth.exited, auth.output()).toBe(0);
      expect(auth.output()).not.toMatch(/failed/i);

      const connected = run(['mcp', 'list']);
      expect(await connected.exited).toBe(0);
      expect(connected.output()).toMatch(/gatehouse connected/);

      offset += 3_700_000; // an hour later: the access token has expired
      const later = run(['mcp', 'list']);
      expect(await later.exited).toBe(0);
      expect(later.output(), later.output()).toMatch(/gatehouse connected/);
      const events = await gh.database.db.selectFrom('audit_events').select('event').execute();
      expect(events.map((row) => row.event)).toEqual(
        expect.arrayContaining(['token.issued', 'token.refreshed']),
      );
    });
  },
);
