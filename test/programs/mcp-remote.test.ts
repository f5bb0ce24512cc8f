import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approveInChromium, chromiumAvailable } from '../support/chromium';
import { freePort } from '../support/gatehouse';
import { runProgram, useProgramWorld } from './world';

const CLIENT = resolve(import.meta.dirname, '../../node_modules/mcp-remote/dist/client.js');

describe.skipIf(!chromiumAvailable)('mcp-remote (the npm package, as a user runs it)', () => {
  const world = useProgramWorld();
  const configDir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-remote-'));
  afterAll(() => rmSync(configDir, { recursive: true, force: true }));
  /** mcp-remote's own test client (`mcp-remote-client`), with no desktop browser to open */
  const mcpRemote = (port: number) =>
    runProgram(process.execPath, [CLIENT, `${world.gatehouse().url}/mcp`, String(port)], {
      env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir, PATH: '/nonexistent', DISPLAY: '' },
    });

  it('signs in through Chromium, lists the tools, and refreshes once the access token has expired', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const first = mcpRemote(port);
    const page = await world.browser().newPage();
    await approveInChromium(page, await first.authorizationUrl(), `http://localhost:${port}/oauth/callback`, {
      email: 'mcp-remote@example.com',
    });
    expect(await first.exited).toBe(0);
    expect(first.output(), first.output()).toContain('"name": "echo"');

    // An hour later the access token has expired: mcp-remote refreshes it, with no browser this time.
    world.advance(3_700_000);
    const second = mcpRemote(port);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('"name": "echo"');
    expect(second.output()).not.toContain('Please authorize');
    const events = await world.gatehouse().database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
  });
});
