import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { connectOverHttp, createHubPat } from '../support/hub';
import { callToolRaw, mcpPostHeaders } from '../support/mcp-call';
import {
  authorizeThroughPages,
  type Browser,
  createBrowser,
  csrfFrom,
  devLogin,
} from '../support/oauth-driver';
import { tamperBase64Url } from '../support/tamper';

const USER = 'stepper@example.com';

interface ToolAnswer {
  result: {
    isError?: boolean;
    content: Array<{ text: string }>;
    structuredContent?: Record<string, unknown>;
  };
}

/**
 * Step-up through a link (issue 16, the path for clients without URL elicitation): a hub call the
 * upstream refuses for lack of access answers a tool error carrying a link; the user opens it, picks the
 * scopes, authorizes at the upstream, and the same call then succeeds.
 */
describe('step-up by link from a hub tool error', () => {
  let alpha: TestGatehouse;
  let hub: TestGatehouse;
  let user: Browser;
  let pat: string;
  /** the hub's clock runs this far ahead (the expiry test moves it) */
  let skew = 0;

  beforeAll(async () => {
    alpha = await startTestGatehouse(
      { resources: [{ ...demoResource(), toolScopes: { 'notes.add': ['mcp:write'] } }] },
      { host: 'localhost' },
    );
    hub = await startTestGatehouse(
      {
        hub: {
          enabled: true,
          catalog: [
            {
              slug: 'alpha',
              name: 'Alpha',
              url: `${alpha.config.issuer}/mcp`,
              auth: {
                type: 'oauth',
                scopes: ['mcp:tools'],
                templates: [
                  { name: 'full', description: 'Read and write', scopes: ['mcp:tools', 'mcp:write'] },
                ],
              },
            },
          ],
        },
      },
      { now: () => Date.now() + skew },
    );
    user = createBrowser(hub.url);
    await devLogin(user, USER);
    expect(await connectOverHttp(user, hub.url, 'alpha', alpha.url, USER)).toBe(303);
    pat = await createHubPat(user, 'agent');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([hub?.close(), alpha?.close()]);
  });

  /** A raw call; the answer is JSON or one SSE event carrying it. */
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const text = await (await callToolRaw(`${hub.url}/hub/mcp`, pat, name, args)).text();
    return JSON.parse(text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}')) as ToolAnswer;
  };
  const toolName = async (prefix: string) => {
    const answer = await fetch(`${hub.url}/hub/mcp`, {
      method: 'POST',
      headers: mcpPostHeaders(pat),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    const body = (await answer.json()) as { result: { tools: Array<{ name: string }> } };
    return body.result.tools.find((tool) => tool.name.startsWith(prefix))?.name ?? '';
  };

  it('links a refused call to a scope picker; after the upgrade the same call succeeds', async () => {
    const notesAdd = await toolName('alpha__notes_add');
    const refused = await call(notesAdd, { text: 'first try' });
    expect(refused.result.isError).toBe(true);
    expect(refused.result.structuredContent).toMatchObject({ httpStatus: 403, scope: 'mcp:write' });
    const url = String(refused.result.structuredContent?.url);
    expect(url).toMatch(new RegExp(`^${hub.config.issuer}/hub/stepup/[\\w-]{32}$`));
    expect(refused.result.content[0]?.text).toContain(`To continue, open ${url}`);
    const path = new URL(url).pathname;

    // Anyone else is refused (and audited); a tampered id is unknown.
    const other = createBrowser(hub.url);
    await devLogin(other, 'someone-else@example.com');
    expect((await other.get(path)).status).toBe(403);
    expect((await user.get(tamperBase64Url(path))).status).toBe(404);

    const picker = await user.get(path);
    expect(picker.status).toBe(200);
    const html = await picker.text();
    expect(html).toMatch(/data-scope="mcp:tools".*you have it/s);
    expect(html).toMatch(/data-scope="mcp:write".*new: asked for/s);
    const started = await user.post(path, { csrf: csrfFrom(html), scope: ['mcp:tools', 'mcp:write'] });
    expect(started.status).toBe(302);
    const callback = await authorizeThroughPages(
      createBrowser(alpha.url),
      started.headers.get('location') ?? '',
      {
        email: USER,
      },
    );
    const done = await user.get(`${callback.pathname}${callback.search}`);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`call ${notesAdd} again`);

    const retried = await call(notesAdd, { text: 'second try' });
    expect(retried.result.isError).toBeFalsy();
    expect(retried.result.content[0]?.text).toMatch(/^added note/);
    expect((await user.get(path)).status).toBe(410); // used up

    const events = hub.logs.text();
    for (const event of ['stepup.requested', 'stepup.refused', 'stepup.completed'])
      expect(events).toContain(`audit ${event}`);
  }, 60_000);

  it('a form without the page’s CSRF token is refused; an upstream denial keeps the old access', async () => {
    const refused = await call('alpha__forbidden');
    const path = new URL(String(refused.result.structuredContent?.url)).pathname;
    expect((await user.post(path, { csrf: 'forged', scope: ['mcp:tools'] })).status).toBe(403);
    const html = await (await user.get(path)).text();
    const started = await user.post(path, { csrf: csrfFrom(html), scope: ['mcp:tools'] });
    const denied = await authorizeThroughPages(
      createBrowser(alpha.url),
      started.headers.get('location') ?? '',
      {
        email: USER,
        decision: 'deny',
      },
    );
    const page = await user.get(`${denied.pathname}${denied.search}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('did not grant access');
    // The connection made with write access is still there.
    const notesAdd = await toolName('alpha__notes_add');
    expect((await call(notesAdd, { text: 'still works' })).result.isError).toBeFalsy();
  }, 60_000);

  it('stops asking after three step-ups for one tool within ten minutes', async () => {
    // `forbidden` is refused whatever the access: a loop a client could fall into.
    const answers: ToolAnswer[] = [];
    for (let attempt = 0; attempt < 4; attempt++) answers.push(await call('alpha__forbidden'));
    const links = answers.filter((answer) => answer.result.structuredContent?.url !== undefined).length;
    expect(links).toBeGreaterThan(0);
    expect(links).toBeLessThanOrEqual(3);
    const last = answers.at(-1);
    expect(last?.result.structuredContent?.url).toBeUndefined();
    expect(last?.result.content[0]?.text).toContain('already asked three times');
  });

  it('a link past its ten minutes says so (410) and starts nothing', async () => {
    skew += 11 * 60_000; // also past the three-asks window of the test before
    const refused = await call('alpha__forbidden');
    const path = new URL(String(refused.result.structuredContent?.url)).pathname;
    skew += 11 * 60_000;
    const expired = await user.get(path);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This link has expired');
    expect((await user.post(path, { csrf: 'x', scope: ['mcp:tools'] })).status).toBe(410);
  });
});
