import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser as Chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { createBrowser, devLogin } from '../support/oauth-driver';

const EMAIL = 'hubuser@example.com';

/** An upstream MCP server behind its own real authorization server: another Gatehouse on `localhost`. */
function startUpstream(options: { cimd: boolean }) {
  return startTestGatehouse(
    {
      resources: [{ ...demoResource(), toolScopes: { 'notes.add': ['mcp:write'] } }],
      cimd: { enabled: options.cimd, allowLoopbackDocuments: true },
      registration: { enabled: true },
    },
    { host: 'localhost' },
  );
}

async function hubClient(url: string, token: string, mode: 'auto' | 'legacy') {
  const client = new Client({ name: 'hub-test', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

const text = (result: unknown) =>
  ((result as { content?: Array<{ text?: string }> }).content ?? [])
    .map((block) => block.text ?? '')
    .join('');

/** An admin adds a server on the catalog page. */
async function addToCatalog(page: Page, hub: TestGatehouse, entry: Record<string, string>) {
  await page.goto(`${hub.url}/admin/catalog`);
  const form = page.locator('form[action="/admin/catalog"]');
  for (const [name, value] of Object.entries(entry))
    await form.locator(name === 'auth' ? 'textarea[name=auth]' : `input[name=${name}]`).fill(value);
  await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
  expect(await page.textContent('[role=status]')).toContain(`${entry.name} is in the catalog`);
}

/** Connect (or change scopes of) one catalog entry in the real pages: the upstream's login and consent. */
async function connectInChromium(page: Page, hub: TestGatehouse, slug: string, template?: string) {
  await page.goto(`${hub.url}/hub/connections`);
  const section = page.locator(`section[data-entry="${slug}"]`);
  if (template) await section.locator(`input[name=template][value="${template}"]`).check();
  await section.locator('button.primary').click();
  await page.waitForURL((url) => url.hostname === 'localhost');
  if (new URL(page.url()).pathname === '/login') await submitDevLogin(page, EMAIL);
  await page.waitForSelector('button[value=approve]');
  await page.screenshot({ path: join(ARTIFACTS, `hub-consent-${slug}.png`), fullPage: true });
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/hub/connections' && url.host === new URL(hub.url).host),
    page.click('button[value=approve]'),
  ]);
}

describe.skipIf(!chromiumAvailable)(
  'the hub: from an empty catalog to two OAuth upstreams in Chromium, called through /hub/mcp',
  () => {
    let alpha: TestGatehouse; // CIMD
    let beta: TestGatehouse; // DCR only
    let hub: TestGatehouse;
    let chromium: Chromium;
    let page: Page;
    let pat: string;
    let otherPat: string;

    beforeAll(async () => {
      [alpha, beta] = await Promise.all([startUpstream({ cimd: true }), startUpstream({ cimd: false })]);
      // An empty catalog: the admin adds both servers on the catalog page below.
      hub = await startTestGatehouse({
        access: { allowAnyone: true, admins: { emails: [EMAIL] } },
        hub: { enabled: true },
      });
      chromium = await launchChromium();
      page = await (await chromium.newContext()).newPage();
      await page.goto(`${hub.url}/hub/connections`);
      await submitDevLogin(page, EMAIL);
      await page.goto(`${hub.url}/hub/connections`);
      expect(await page.textContent('body')).toContain('No server has been approved');
      await addToCatalog(page, hub, {
        slug: 'alpha',
        name: 'Alpha',
        url: `${alpha.config.issuer}/mcp`,
        auth: JSON.stringify({
          type: 'oauth',
          scopes: ['mcp:tools'],
          templates: [
            { name: 'read-only', description: 'Read only', scopes: ['mcp:tools'] },
            { name: 'full', description: 'Read and write', scopes: ['mcp:tools', 'mcp:write'] },
          ],
        }),
      });
      await addToCatalog(page, hub, {
        slug: 'beta',
        name: 'Beta',
        url: `${beta.config.issuer}/mcp`,
        auth: JSON.stringify({ type: 'oauth', scopes: ['mcp:tools'] }),
      });
      // The same person's personal access token for the hub endpoint, as a CLI agent would use.
      const cookies = createBrowser(hub.url);
      await devLogin(cookies, EMAIL);
      pat = await createHubPat(cookies, 'hub agent');
      expect(pat).toMatch(/^gth_/);
      const someoneElse = createBrowser(hub.url);
      await devLogin(someoneElse, 'someone-else@example.com');
      otherPat = await createHubPat(someoneElse, 'x');
    }, 60_000);
    afterAll(async () => {
      await chromium?.close();
      await Promise.all([hub?.close(), alpha?.close(), beta?.close()]);
    });

    it('connects both (CIMD at one, DCR at the other) and serves their tools by prefix, on both wires', async () => {
      const before = await hubClient(`${hub.url}/hub/mcp`, pat, 'auto');
      // Nothing connected yet: one connect tool per server (connect on demand), nothing else.
      expect((await before.listTools()).tools.map((tool) => tool.name).sort()).toEqual([
        'alpha__connect',
        'beta__connect',
      ]);
      await before.close();

      await connectInChromium(page, hub, 'alpha', 'read-only');
      expect(
        await page.locator('section[data-entry="alpha"] [data-status]').getAttribute('data-status'),
      ).toBe('connected');
      await connectInChromium(page, hub, 'beta');
      await page.screenshot({ path: join(ARTIFACTS, 'hub-connections.png'), fullPage: true });

      // Alpha knew the hub by its metadata document; Beta registered it (DCR).
      expect(alpha.logs.text()).toContain('/.well-known/oauth-client/gatehouse.json');
      const registered = await beta.database.db
        .selectFrom('oauth_clients')
        .select(['kind', 'metadata'])
        .execute();
      expect(registered.some((row) => row.kind === 'dcr' && row.metadata.includes('/hub/callback'))).toBe(
        true,
      );

      for (const mode of ['auto', 'legacy'] as const) {
        const client = await hubClient(`${hub.url}/hub/mcp`, pat, mode);
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        expect(names).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo', 'beta__time']));
        // `notes.list` has a character some clients refuse: renamed, with a hash so it can never collide.
        expect(names.find((name) => name.startsWith('alpha__notes_list_'))).toMatch(
          /^alpha__notes_list_[\w-]{8}$/,
        );
        // Alpha lists `notes.add` with the scope it needs (mcp:write), which the read-only template did not ask for.
        expect(names.some((name) => name.startsWith('alpha__notes_add'))).toBe(true);
        expect(
          text(await client.callTool({ name: 'alpha__echo', arguments: { text: `alpha ${mode}` } })),
        ).toBe(`alpha ${mode}`);
        expect(text(await client.callTool({ name: 'beta__echo', arguments: { text: `beta ${mode}` } }))).toBe(
          `beta ${mode}`,
        );
        await client.close();
      }
    }, 90_000);

    it('the playground calls an upstream tool through the hub as a first-party OAuth client', async () => {
      await page.goto(`${hub.url}/playground`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/oauth/consent'),
        page.click('li[data-endpoint="/hub/mcp"] button:has-text("Connect")'),
      ]);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/playground'),
        page.click('button[value=approve]'),
      ]);
      const echo = page.locator('form[data-tool="beta__echo"]');
      await echo.locator('input[name="arg.text"]').fill('through the hub, from the playground');
      await Promise.all([page.waitForLoadState('load'), echo.locator('button[type=submit]').click()]);
      expect(await page.locator('#result').textContent()).toContain('through the hub, from the playground');
    }, 60_000);

    it('an upstream refusal reaches the caller as a tool error with its status; changing scopes fixes it', async () => {
      const client = await hubClient(`${hub.url}/hub/mcp`, pat, 'auto');
      type ToolResult = { isError?: boolean; structuredContent?: { httpStatus?: number } };
      const refused = (await client.callTool({ name: 'alpha__forbidden', arguments: {} })) as ToolResult;
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent?.httpStatus).toBe(403);
      // A tool the upstream grant does not cover: Alpha's own scope challenge, as a tool error (403).
      const notesAdd = (await client.listTools()).tools.find((tool) =>
        tool.name.startsWith('alpha__notes_add'),
      )?.name;
      expect(notesAdd).toBeDefined();
      const beyond = (await client.callTool({
        name: notesAdd as string,
        arguments: { text: 'x' },
      })) as ToolResult;
      expect(beyond.isError).toBe(true);
      expect(beyond.structuredContent?.httpStatus).toBe(403);

      await connectInChromium(page, hub, 'alpha', 'full');
      expect(await page.textContent('section[data-entry="alpha"]')).toContain('mcp:write');
      const added = await client.callTool({
        name: notesAdd as string,
        arguments: { text: 'through the hub' },
      });
      expect(text(added)).toContain('added note');
      await client.close();
    }, 60_000);

    it('disconnecting one revokes its token at the upstream and its tools vanish', async () => {
      // A 2026-07-28 client listening for list changes hears about it.
      const listener = await hubClient(`${hub.url}/hub/mcp`, pat, 'auto');
      let changed = 0;
      listener.setNotificationHandler('notifications/tools/list_changed', () => {
        changed += 1;
      });
      const subscription = await listener.listen({ toolsListChanged: true });
      // Another user listening too: their tools did not change, so they hear nothing.
      const bystander = await hubClient(`${hub.url}/hub/mcp`, otherPat, 'auto');
      let bystanderHeard = 0;
      bystander.setNotificationHandler('notifications/tools/list_changed', () => {
        bystanderHeard += 1;
      });
      const bystanderSubscription = await bystander.listen({ toolsListChanged: true });
      const revokedBefore = (alpha.logs.text().match(/audit token\.revoked|audit grant\.revoked/g) ?? [])
        .length;
      await page.goto(`${hub.url}/hub/connections`);
      await page.locator('section[data-entry="alpha"] form[action$="/disconnect"] button').click();
      await page.waitForLoadState('load');
      expect(await page.textContent('body')).toContain('the upstream revoked the token');
      const revokedAfter = (alpha.logs.text().match(/audit token\.revoked|audit grant\.revoked/g) ?? [])
        .length;
      expect(revokedAfter).toBeGreaterThan(revokedBefore);

      await expect.poll(() => changed, { timeout: 5_000 }).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(bystanderHeard).toBe(0);
      await subscription.close();
      await listener.close();
      await bystanderSubscription.close();
      await bystander.close();
      const client = await hubClient(`${hub.url}/hub/mcp`, pat, 'auto');
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names.filter((name) => name.startsWith('alpha__'))).toEqual(['alpha__connect']);
      expect(names).toContain('beta__echo');
      await client.close();

      const events = hub.logs.text();
      for (const event of ['hub.connected', 'hub.tool_called', 'hub.disconnected'])
        expect(events).toContain(`audit ${event}`);
    }, 60_000);
  },
);
