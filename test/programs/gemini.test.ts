import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { approveInChromium } from '../support/chromium';
import { startGeminiStandIn } from '../support/gemini-stand-in';
import { recordingBrowser, runnerProgram, runProgram, useProgramWorld } from './world';

const GEMINI = runnerProgram('gemini', 'Gemini CLI');

describe.skipIf(!GEMINI.runs)('Gemini CLI (@google/gemini-cli from npm, as a user runs it)', () => {
  // Gemini CLI refreshes by its own clock, five minutes before expiry, and never on a 401 (it asks the
  // user to sign in again): with one-minute access tokens every start refreshes.
  const world = useProgramWorld({ config: { tokens: { accessTokenTtlSeconds: 60 } } });
  const model = startGeminiStandIn('echo', { text: 'hello from gemini' });
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-gemini-'));
  afterAll(async () => {
    await (await model).close();
    rmSync(home, { recursive: true, force: true });
  });
  const project = join(home, 'project');
  // Gemini CLI opens the sign-in page with xdg-open, which runs $BROWSER; it prints the URL only later.
  const browser = recordingBrowser(home);
  const gemini = async (prompt: string) =>
    runProgram(GEMINI.path, ['--yolo', '-m', 'gemini-2.5-flash', '-p', prompt], {
      cwd: project,
      env: {
        ...process.env,
        HOME: home,
        GEMINI_API_KEY: 'not-a-real-key',
        GOOGLE_GEMINI_BASE_URL: (await model).baseUrl,
        DISPLAY: '',
        BROWSER: browser.command,
        NO_COLOR: '1',
      },
    });

  it('signs in on its own when the endpoint answers 401, calls a tool, and after the access token expired refreshes it', {
    timeout: 120_000,
  }, async () => {
    const { turns } = await model;
    mkdirSync(project, { recursive: true });
    mkdirSync(join(home, '.gemini'), { recursive: true });
    writeFileSync(
      join(home, '.gemini/settings.json'),
      JSON.stringify({
        mcpServers: { gatehouse: { httpUrl: `${world.gatehouse().url}/mcp`, oauth: { enabled: true } } },
        security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      }),
    );
    const first = await gemini('echo something through gatehouse');
    first.answerWhenAsked('Do you want to continue? [Y/n]', 'y');
    const authorizationUrl = await browser.firstUrl();
    const page = await world.browser().newPage();
    await approveInChromium(
      page,
      authorizationUrl,
      String(new URL(authorizationUrl).searchParams.get('redirect_uri')),
      { email: 'gemini@example.com' },
    );
    expect(await first.exited, first.output()).toBe(0);
    expect(turns.at(-1)?.toolOutput, first.output()).toContain('hello from gemini');
    expect(turns[0]?.tools).toContain('mcp_gatehouse_echo');

    world.advance(120_000); // the access token has expired at Gatehouse too
    const turnsBefore = turns.length;
    const later = await gemini('echo something through gatehouse again');
    expect(await later.exited, later.output()).toBe(0);
    expect(turns.length).toBeGreaterThan(turnsBefore);
    expect(later.output()).not.toContain('Authentication required');
    expect(turns.at(-1)?.toolOutput, later.output()).toContain('hello from gemini');
    const events = await world.gatehouse().database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
    expect(events.map((row) => row.event)).not.toContain('grant.revoked');
  });
});
