import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeOutbound, type OutboundDeps } from '../../src/lib/net/safe-fetch';
import { approveInChromium } from '../support/chromium';
import { startCimdServer } from '../support/cimd-server';
import { startResponsesStandIn } from '../support/responses-stand-in';
import { runnerProgram, runProgram, useProgramWorld } from './world';

const CODEX = runnerProgram('codex', 'Codex CLI');

/** The client id Codex sends (its metadata document on chatgpt.com), seen running `codex mcp login`. */
const CODEX_CLIENT_ID = 'https://chatgpt.com/oauth/codex/client.json';

describe.skipIf(!CODEX.runs)('OpenAI Codex CLI (@openai/codex from npm, as a user runs it)', () => {
  // chatgpt.com is not reachable here: Gatehouse's outbound connections for it go to a loopback https
  // server that serves Codex's metadata document (the rest of the guard runs as in production).
  let documents: Awaited<ReturnType<typeof startCimdServer>>;
  beforeAll(async () => {
    documents = await startCimdServer();
    // Not published; assumed to list the portless loopback callback Codex uses with an ephemeral port.
    documents.serve('/oauth/codex/client.json', {
      client_id: CODEX_CLIENT_ID,
      client_name: 'Codex',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  });
  const world = useProgramWorld({
    outbound: () => {
      const node = createNodeOutbound({ ca: documents.ca });
      const base = new URL(documents.base);
      return {
        resolve: async (host) => (host === 'chatgpt.com' ? ['127.0.0.1'] : node.resolve(host)),
        get: (url, address, signal) =>
          url.hostname === 'chatgpt.com'
            ? node.get(new URL(`${url.pathname}${url.search}`, base), '127.0.0.1', signal)
            : node.get(url, address, signal),
      } satisfies OutboundDeps;
    },
  });
  const model = startResponsesStandIn('echo', { text: 'hello from codex' });
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-codex-'));
  afterAll(async () => {
    await (await model).close();
    await documents?.close();
    rmSync(home, { recursive: true, force: true });
  });
  const codexHome = join(home, '.codex');
  const env = () => ({
    ...process.env,
    HOME: home,
    CODEX_HOME: codexHome,
    DISPLAY: '',
    BROWSER: '/bin/false',
    STAND_IN_KEY: 'not-a-real-key',
  });
  const codex = (...args: string[]) => runProgram(CODEX.path, args, { cwd: home, env: env() });
  /** `codex exec` reads stdin to its end before it starts */
  const exec = (prompt: string) =>
    runProgram(
      CODEX.path,
      ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', prompt],
      {
        cwd: home,
        env: env(),
        stdin: 'closed',
      },
    );

  it('`codex mcp login` signs in by its metadata document; `codex exec` calls a tool, and again after the access token expired (refresh)', {
    timeout: 120_000,
  }, async () => {
    const { baseUrl, turns } = await model;
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(
      join(codexHome, 'config.toml'),
      [
        'model = "stand-in"',
        'model_provider = "stand-in"',
        'mcp_oauth_credentials_store = "file"',
        '[model_providers.stand-in]',
        'name = "stand-in"',
        `base_url = "${baseUrl}"`,
        'wire_api = "responses"',
        'env_key = "STAND_IN_KEY"',
        '[mcp_servers.gatehouse]',
        `url = "${world.gatehouse().url}/mcp"`,
        '',
      ].join('\n'),
    );
    const login = codex('mcp', 'login', 'gatehouse');
    const authorizationUrl = await login.authorizationUrl();
    const asked = new URL(authorizationUrl).searchParams;
    expect(asked.get('client_id')).toBe(CODEX_CLIENT_ID);
    const page = await world.browser().newPage();
    await approveInChromium(page, authorizationUrl, String(asked.get('redirect_uri')), {
      email: 'codex@example.com',
    });
    expect(await login.exited, login.output()).toBe(0);

    const first = exec('echo something through gatehouse');
    expect(await first.exited, first.output()).toBe(0);
    expect(turns.at(-1)?.toolOutput, first.output()).toContain('hello from codex');
    expect(turns[0]?.tools).toContain('mcp__gatehouse.echo');

    world.advance(3_700_000); // an hour later: the access token has expired
    const turnsBefore = turns.length;
    const later = exec('echo something through gatehouse again');
    expect(await later.exited, later.output()).toBe(0);
    expect(turns.length).toBeGreaterThan(turnsBefore);
    expect(turns.at(-1)?.toolOutput, later.output()).toContain('hello from codex');
    const events = await world.gatehouse().database.db.selectFrom('audit_events').select('event').execute();
    expect(events.map((row) => row.event)).toEqual(
      expect.arrayContaining(['token.issued', 'token.refreshed']),
    );
    // its refresh asks for `mcp:tools offline_access` again: not taken for a widening or a replay
    expect(events.map((row) => row.event)).not.toContain('grant.revoked');
  });
});
