import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approveInChromium } from '../support/chromium';
import { RUNNER, runnerProgram, runProgram, useProgramWorld } from './world';

const OPENCODE = runnerProgram('opencode', 'opencode');
/** opencode's own callback for MCP OAuth (fixed by opencode) */
const CALLBACK = 'http://127.0.0.1:19876/mcp/oauth/callback';

describe.skipIf(!OPENCODE.runs)('opencode (opencode-ai from npm, as a user runs it)', () => {
  const world = useProgramWorld();
  const data = mkdtempSync(join(tmpdir(), 'gatehouse-opencode-'));
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const project = join(data, 'project');
  const env = {
    ...process.env,
    HOME: data,
    // opencode installs its own helpers under its config folder on first run: kept between runs.
    XDG_CONFIG_HOME: join(RUNNER, '.opencode-config'),
    XDG_CACHE_HOME: join(RUNNER, '.opencode-cache'),
    XDG_DATA_HOME: join(data, 'share'),
    XDG_STATE_HOME: join(data, 'state'),
    DISPLAY: '',
    BROWSER: '/bin/false',
  };
  const opencode = (...args: string[]) => runProgram(OPENCODE.path, args, { cwd: project, env });

  it('`opencode mcp auth` signs in through Chromium; after the access token expires it still connects (refresh)', {
    timeout: 120_000,
  }, async () => {
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'opencode.json'),
      JSON.stringify({ mcp: { gatehouse: { type: 'remote', url: `${world.gatehouse().url}/mcp` } } }),
    );
    const auth = opencode('mcp', 'auth', 'gatehouse');
    const page = await world.browser().newPage();
    await approveInChromium(page, await auth.authorizationUrl(), CALLBACK, {
      email: 'opencode@example.com',
    });
    expect(await auth.exited, auth.output()).toBe(0);
    expect(auth.output()).not.toMatch(/failed/i);

    const connected = opencode('mcp', 'list');
    expect(await connected.exited).toBe(0);
    expect(connected.output()).toMatch(/gatehouse connected/);

    world.advance(3_700_000); // an hour later: the access token has expired
    const later = opencode('mcp', 'list');
    expect(await later.exited).toBe(0);
    expect(later.output(), later.output()).toMatch(/gatehouse connected/);
    const events = await world.gatehouse().database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
  });
});
