import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Client,
  StreamableHTTPClientTransport,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/client';
import type { Browser as Chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { type Browser, createBrowser, csrfFrom, devLogin } from '../support/oauth-driver';
import { tamperBase64Url } from '../support/tamper';

const USER = 'elicited@example.com';

/** A raw JSON-RPC answer of the hub to a `tools/call`. */
interface RawAnswer {
  error: { code: number };
  result: {
    resultType: string;
    isError?: boolean;
    requestState?: string;
    structuredContent: { url?: string };
  };
}

interface Choice {
  template?: string;
  scopes?: string[];
  /** saved under test-results/ */
  screenshot?: string;
}

const text = (result: unknown) =>
  ((result as { content?: Array<{ text?: string }> }).content ?? [])
    .map((block) => block.text ?? '')
    .join('');

/**
 * Step-up and connect-on-demand by URL elicitation (issue 16): the MCP SDK client declares URL
 * elicitation, calls a hub tool that needs a connection or more access, is handed the step-up URL, the
 * user completes the scope picker and the upstream's consent in Chromium, and the call then succeeds —
 * on the 2026-07-28 wire by the client's own retry (MRTR, `requestState`), on the 2025-11-25 wire after
 * -32042 and `notifications/elicitation/complete`.
 */
describe.skipIf(!chromiumAvailable)('step-up by URL elicitation, completed in Chromium', () => {
  let alpha: TestGatehouse;
  let hub: TestGatehouse;
  let chromium: Chromium;
  let page: Page;
  let user: Browser;
  let pat: string;

  beforeAll(async () => {
    alpha = await startTestGatehouse(
      { resources: [{ ...demoResource(), toolScopes: { 'notes.add': ['mcp:write'] } }] },
      { host: 'localhost' },
    );
    hub = await startTestGatehouse({
      hub: {
        enabled: true,
        catalog: [
          {
            slug: 'alpha',
            name: 'Alpha',
            description: 'notes and time',
            url: `${alpha.config.issuer}/mcp`,
            auth: {
              type: 'oauth',
              scopes: ['mcp:tools'],
              templates: [
                { name: 'read-only', description: 'Use the tools', scopes: ['mcp:tools'] },
                { name: 'full', description: 'Also add notes', scopes: ['mcp:tools', 'mcp:write'] },
              ],
              scopeDescriptions: { 'mcp:tools': 'list and call tools', 'mcp:write': 'add notes' },
            },
          },
        ],
      },
    });
    user = createBrowser(hub.url);
    await devLogin(user, USER);
    pat = await createHubPat(user, 'eliciting agent');
    chromium = await launchChromium();
    page = await (await chromium.newContext()).newPage();
    await page.goto(`${hub.url}/hub/connections`);
    await submitDevLogin(page, USER);
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await Promise.all([hub?.close(), alpha?.close()]);
  });

  /** The user opens the step-up URL, picks, and approves at Alpha; resolves on the "done" page. */
  async function completeInChromium(url: string, choice: Choice) {
    await page.goto(url);
    await page.waitForSelector('form[action^="/hub/stepup/"]');
    if (choice.screenshot) await shot(`stepup-${choice.screenshot}-picker`);
    if (choice.template) await page.check(`input[name=template][value="${choice.template}"]`);
    for (const scope of choice.scopes ?? []) await page.check(`input[name=scope][value="${scope}"]`);
    await Promise.all([
      page.waitForURL((at) => at.hostname === 'localhost'),
      page.click('form[action^="/hub/stepup/"] button.primary'),
    ]);
    if (new URL(page.url()).pathname === '/login') await submitDevLogin(page, USER);
    await page.waitForSelector('button[value=approve]');
    await Promise.all([
      page.waitForURL((at) => at.pathname === '/hub/callback'),
      page.click('button[value=approve]'),
    ]);
    expect(await page.textContent('[role=status]')).toContain('Return to your client');
    if (choice.screenshot) await shot(`stepup-${choice.screenshot}-done`);
  }

  /** Kept in test-results/ (the pictures in docs/stepup.md are copies of these). */
  async function shot(name: string) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** An SDK client that declares URL elicitation; each URL it is handed starts the user's work in Chromium. */
  async function elicitingClient(mode: 'auto' | 'legacy', choices: Choice[]) {
    const flows: Array<Promise<void>> = [];
    const asked: Array<{ url: string; message: string }> = [];
    const client = new Client(
      { name: 'eliciting', version: '1' },
      { versionNegotiation: { mode }, capabilities: { elicitation: { url: {} } } },
    );
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { mode?: string; url?: string; message: string };
      expect(params.mode).toBe('url');
      asked.push({ url: String(params.url), message: params.message });
      const choice = choices.shift();
      if (!choice) return { action: 'decline' };
      flows.push(completeInChromium(String(params.url), choice));
      return { action: 'accept' };
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${hub.url}/hub/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${pat}` } },
      }),
    );
    return { client, flows, asked };
  }

  it('2026-07-28: connects on demand, then steps up, each time the same call succeeding after the picker', async () => {
    const { client, flows, asked } = await elicitingClient('auto', [
      { scopes: ['mcp:tools'], screenshot: 'connect' },
      { template: 'full', screenshot: 'scopes' },
    ]);
    const before = (await client.listTools()).tools;
    expect(before.map((tool) => tool.name)).toEqual(['alpha__connect']);
    expect(before[0]?.description).toContain('Alpha (notes and time) is not connected yet');

    const connected = await client.callTool({ name: 'alpha__connect', arguments: {} });
    await Promise.all(flows);
    expect(asked[0]?.url).toMatch(new RegExp(`^${hub.config.issuer}/hub/stepup/[\\w-]{32}$`));
    expect(asked[0]?.message).toContain('Alpha is not connected');
    expect(text(connected)).toMatch(/^Connected\. \d+ tools are listed now: .*alpha__notes_add_/);

    // notes.add needs mcp:write, which the connection lacks: Alpha answers 403 insufficient_scope.
    const notesAdd = await toolName(client, 'alpha__notes_add');
    const added = await client.callTool({ name: notesAdd, arguments: { text: 'by elicitation' } });
    await Promise.all(flows);
    expect(asked).toHaveLength(2);
    expect(asked[1]?.message).toContain('grant the access it needs to Alpha');
    expect(added.isError).toBeFalsy();
    expect(text(added)).toMatch(/^added note/);
    // The upgrade replaced the stored token: Alpha now holds a grant with both scopes for the hub.
    const { body } = await fetchJson(user, '/api/hub/connections');
    expect(body.entries.find((e: { slug: string }) => e.slug === 'alpha')?.scopes).toContain('mcp:write');
    await client.close();

    const events = hub.logs.text();
    expect(events).toContain('audit stepup.requested');
    expect(events).toContain('audit stepup.completed');
  }, 120_000);

  it('2025-11-25: -32042 with the URL, notifications/elicitation/complete when done, then the call succeeds', async () => {
    await disconnect('alpha');
    const { client, flows } = await elicitingClient('legacy', []);
    const completed: string[] = [];
    client.setNotificationHandler('notifications/elicitation/complete', async (notification) => {
      completed.push(String(notification.params.elicitationId));
    });
    let listChanged = 0;
    client.setNotificationHandler('notifications/tools/list_changed', async () => {
      listChanged += 1;
    });
    const required = await client.callTool({ name: 'alpha__connect', arguments: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(required).toBeInstanceOf(UrlElicitationRequiredError);
    const elicitation = (required as UrlElicitationRequiredError).elicitations[0];
    expect(elicitation).toMatchObject({ mode: 'url' });
    await completeInChromium(String(elicitation?.url), { template: 'read-only' });
    await waitFor(() => completed.includes(String(elicitation?.elicitationId)));
    await waitFor(() => listChanged > 0); // the connection changed the user's tools

    const notesAdd = await toolName(client, 'alpha__notes_add');
    const refused = await client.callTool({ name: notesAdd, arguments: { text: 'legacy' } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UrlElicitationRequiredError);
    const second = (refused as UrlElicitationRequiredError).elicitations[0];
    await completeInChromium(String(second?.url), { scopes: ['mcp:write'] });
    await waitFor(() => completed.includes(String(second?.elicitationId)));
    const retried = await client.callTool({ name: notesAdd, arguments: { text: 'legacy' } });
    expect(text(retried)).toMatch(/^added note/);
    expect(flows).toHaveLength(0); // nothing was sent as a request on this wire
    await client.close();
  }, 120_000);

  it('never sends a mode the client did not declare; refuses a tampered or replayed requestState', async () => {
    // Another user (each user is asked at most three times per tool in ten minutes).
    const other = createBrowser(hub.url);
    await devLogin(other, 'raw@example.com');
    const otherPat = await createHubPat(other, 'raw');
    const post = (params: Record<string, unknown>, capabilities: Record<string, unknown>) =>
      fetch(`${hub.url}/hub/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${otherPat}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'alpha__connect',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'alpha__connect',
            arguments: {},
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': capabilities,
              'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
            },
          },
        }),
      }).then((r) => r.json() as Promise<RawAnswer>);

    // Form-mode elicitation only (`elicitation: {}`): the link comes in a tool error instead.
    const formOnly = await post({}, { elicitation: {} });
    expect(formOnly.result.resultType).toBe('complete');
    expect(formOnly.result.isError).toBe(true);
    expect(formOnly.result.structuredContent.url).toMatch(/\/hub\/stepup\//);

    const asked = await post({}, { elicitation: { url: {} } });
    expect(asked.result.resultType).toBe('input_required');
    const state = String(asked.result.requestState);
    const tampered = tamperBase64Url(state);
    const answer = { inputResponses: { gatehouse_stepup: { action: 'accept' } } };
    const refusedTampered = await post({ ...answer, requestState: tampered }, { elicitation: { url: {} } });
    expect(refusedTampered.error.code).toBe(-32602);
    const declined = await post(
      { inputResponses: { gatehouse_stepup: { action: 'decline' } }, requestState: state },
      { elicitation: { url: {} } },
    );
    expect(declined.result.isError).toBe(true);
    const replayed = await post({ ...answer, requestState: state }, { elicitation: { url: {} } });
    expect(replayed.error.code).toBe(-32602);
    expect(hub.logs.text()).toContain('audit stepup.abandoned');
  });

  async function disconnect(slug: string) {
    const html = await (await user.get('/hub/connections')).text();
    // (a later call of `<slug>__connect` shows it worked: that tool is listed only while disconnected)
    await user.post(`/hub/connections/${slug}/disconnect`, { csrf: csrfFrom(html) });
  }
});

async function toolName(client: Client, prefix: string) {
  const tools = (await client.listTools()).tools;
  return tools.find((tool) => tool.name.startsWith(prefix))?.name ?? `${prefix} is not listed`;
}

async function fetchJson(browser: Browser, path: string) {
  const answer = await browser.get(path);
  return {
    status: answer.status,
    body: (await answer.json()) as { entries: Array<{ slug: string; scopes: string }> },
  };
}

async function waitFor(condition: () => boolean, ms = 10_000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
