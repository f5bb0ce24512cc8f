import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approveInChromium } from '../support/chromium';
import { runnerProgram, runProgram, useProgramWorld } from './world';

const MCPDO = runnerProgram('mcpdo', 'MCP Inspector');
/** the Inspector daemon's OAuth callback (fixed by the Inspector) */
const CALLBACK = 'http://127.0.0.1:6276/oauth/callback';

describe.skipIf(!MCPDO.runs)('MCP Inspector 2 (its CLI, mcpdo, as a user runs it)', () => {
  const world = useProgramWorld();
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-inspector-'));
  // A private daemon of this test's own (the Inspector keeps connections in a background daemon).
  const env = {
    ...process.env,
    HOME: home,
    MCP_INSPECTOR_DAEMON_DIR: join(home, 'daemon'),
    MCP_INSPECTOR_DAEMON_TOKEN: randomBytes(24).toString('base64url'),
    MCP_INSPECTOR_SECRET_STORE: 'file',
    DISPLAY: '',
    BROWSER: '/bin/false',
  };
  const mcpdo = (...args: string[]) => runProgram(MCPDO.path, ['--plain', ...args], { env });
  afterAll(async () => {
    await mcpdo('daemon', 'stop').exited;
    rmSync(home, { recursive: true, force: true });
  });

  it('connects with OAuth through Chromium, calls a tool, and calls again after the access token expired', {
    timeout: 120_000,
  }, async () => {
    const url = `${world.gatehouse().url}/mcp`;
    const connect = mcpdo('connect', url);
    const signIn = await connect.authorizationUrl();
    await connect.exited;
    const page = await world.browser().newPage();
    await approveInChromium(page, signIn, CALLBACK, { email: 'inspector@example.com' });
    let shown = '';
    for (let attempt = 0; attempt < 50 && !/Auth: OAuth \(authorized/.test(shown); attempt++) {
      const show = mcpdo('connections/show', `@${url}`);
      await show.exited;
      shown = show.output();
      if (!/authorized;/.test(shown)) await new Promise((wait) => setTimeout(wait, 100));
    }
    expect(shown).toMatch(/Auth: OAuth \(authorized/);

    const call = mcpdo('--connection', url, 'tools/call', 'echo', 'text:=from-inspector');
    expect(await call.exited, call.output()).toBe(0);
    expect(call.output()).toContain('from-inspector');

    world.advance(3_700_000); // an hour later: the access token has expired
    const later = mcpdo('--connection', url, 'tools/call', 'echo', 'text:=after-expiry');
    expect(await later.exited, later.output()).toBe(0);
    expect(later.output()).toContain('after-expiry');
    const events = await world.gatehouse().database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
  });
});
