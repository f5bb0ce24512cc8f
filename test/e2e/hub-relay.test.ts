import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { isLegacyRequest } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConformanceUpstream } from '../../src/demo/conformance-upstream';
import { listen } from '../../src/http';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { callToolRaw, mcpPostHeaders } from '../support/mcp-call';
import { createBrowser, devLogin } from '../support/oauth-driver';
import { tamperBase64Url } from '../support/tamper';

const MODERN = '2026-07-28';
const MRTR_PROMPT = 'conf__test_input_required_result_prompt';

interface RpcAnswer {
  result?: Record<string, unknown> & { messages?: Array<{ content: { text?: string } }> };
  error?: { code: number; message: string };
}

/**
 * What the hub relays to the upstream that owns it, beyond tool calls: prompts (forwarded within one era,
 * so an upstream's 2026-07-28 multi-round-trip prompt works; bridged across eras), the tasks extension
 * (SEP-2663: task ids the hub's own, bound to the user), and requests in a 2025-only upstream's session.
 */
describe('the hub relays prompts, tasks, and a 2025-only upstream', () => {
  let upstream: Awaited<ReturnType<typeof listen>>;
  let demo: ReturnType<typeof createConformanceUpstream>;
  let gatehouse: TestGatehouse;
  let pat: string;
  let otherPat: string;
  let forgetSessions = false;
  let upstreamListens = 0;
  const sessionsSeen = new Set<string>();
  beforeAll(async () => {
    demo = createConformanceUpstream();
    const app = new Hono();
    app.all('/mcp', async (c) => {
      const listening =
        c.req.method === 'POST' && (await c.req.raw.clone().text()).includes('"subscriptions/listen"');
      const answer = await demo.fetch(c.req.raw);
      if (!listening || !answer.body) return answer;
      // The upstream listens the hub holds open, counted until their streams end either way.
      upstreamListens += 1;
      const reader = answer.body.getReader();
      let ended = false;
      const end = () => {
        if (!ended) upstreamListens -= 1;
        ended = true;
      };
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        },
        cancel(reason) {
          end();
          return reader.cancel(reason);
        },
      });
      return new Response(body, { status: answer.status, headers: answer.headers });
    });
    // The same server as one that speaks only 2025-11-25 (sessions): the modern wire is refused the way
    // a 2025 server refuses a request before `initialize`.
    app.all('/mcp-2025', async (c) => {
      if (!(await isLegacyRequest(c.req.raw.clone())))
        return c.json(
          {
            jsonrpc: '2.0',
            id: null,
            error: { code: -32000, message: 'Bad Request: Server not initialized' },
          },
          400,
        );
      const session = c.req.header('mcp-session-id');
      if (session) sessionsSeen.add(session);
      // As after a restart: the session is unknown (the hub must open a new one).
      if (session && forgetSessions) {
        forgetSessions = false;
        return c.json(
          { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } },
          404,
        );
      }
      return demo.fetch(c.req.raw);
    });
    upstream = await listen(app, '127.0.0.1', 0);
    gatehouse = await startTestGatehouse(
      {
        access: { allowAnyone: true },
        hub: {
          enabled: true,
          catalog: [
            {
              slug: 'conf',
              name: 'Conformance',
              url: `${upstream.url}/mcp`,
              auth: { type: 'shared', valueEnv: 'CONF_KEY' },
            },
            {
              slug: 'old',
              name: 'Conformance, 2025 only',
              url: `${upstream.url}/mcp-2025`,
              auth: { type: 'shared', valueEnv: 'CONF_KEY' },
            },
          ],
        },
      },
      { env: { CONF_KEY: 'Bearer conf-key' } },
    );
    const browser = createBrowser(gatehouse.url);
    await devLogin(browser, 'prompts@example.com');
    pat = await createHubPat(browser, 'prompts');
    const other = createBrowser(gatehouse.url);
    await devLogin(other, 'someone-else@example.com');
    otherPat = await createHubPat(other, 'other');
  });
  afterAll(async () => {
    await gatehouse?.close();
    await upstream?.close();
    await demo?.close();
  });

  /** One 2026-07-28 request to the hub: its routing headers, and what the client declares in `_meta`. */
  const modern = async (
    method: string,
    params: Record<string, unknown>,
    options: { token?: string; capabilities?: Record<string, unknown>; name?: string } = {},
  ): Promise<RpcAnswer & { status: number }> => {
    const name = options.name ?? String(params.name ?? params.taskId);
    const answer = await fetch(`${gatehouse.url}/hub/mcp`, {
      method: 'POST',
      headers: {
        ...mcpPostHeaders(options.token ?? pat),
        'mcp-protocol-version': MODERN,
        'mcp-method': method,
        'mcp-name': name,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method,
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': options.capabilities ?? {
              elicitation: { form: {} },
            },
            'io.modelcontextprotocol/clientInfo': { name: 'relay-test', version: '1' },
          },
        },
      }),
    });
    return { status: answer.status, ...((await answer.json()) as RpcAnswer) };
  };
  const modernGet = (params: Record<string, unknown>) => modern('prompts/get', params);

  it("2026-07-28: an upstream's multi-round-trip prompt asks through the hub, and the retry completes it", async () => {
    const asked = await modernGet({ name: MRTR_PROMPT });
    expect(asked.result?.resultType).toBe('input_required');
    const requests = asked.result?.inputRequests as Record<string, { method: string }>;
    expect(requests.user_context?.method).toBe('elicitation/create');

    const done = await modernGet({
      name: MRTR_PROMPT,
      inputResponses: { user_context: { action: 'accept', content: { context: 'from the hub test' } } },
      ...(asked.result?.requestState === undefined ? {} : { requestState: asked.result.requestState }),
    });
    expect(done.result?.resultType).toBe('complete');
    expect(done.result?.messages?.[0]?.content.text).toBe('Use this context: from the hub test');
  });

  it('2026-07-28: routing headers must name the prompt; an unknown prompt is invalid params', async () => {
    const unknown = await modernGet({ name: 'conf__no_such_prompt' });
    expect(unknown.error?.code).toBe(-32602);
    const mismatched = await modern(
      'prompts/get',
      { name: MRTR_PROMPT },
      { name: 'conf__test_simple_prompt', capabilities: {} },
    );
    // Not forwarded: the SDK refuses a request whose headers contradict its body (-32020 on the wire).
    expect(mismatched.error?.code).toBe(-32020);
  });

  const legacyGet = async (name: string, args?: Record<string, string>): Promise<RpcAnswer> => {
    const answer = await fetch(`${gatehouse.url}/hub/mcp`, {
      method: 'POST',
      headers: mcpPostHeaders(pat),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'prompts/get',
        params: { name, ...(args ? { arguments: args } : {}) },
      }),
    });
    const text = await answer.text();
    // JSON, or an SSE stream whose message event carries it (after a 2025 upstream's empty priming event)
    return JSON.parse(text.startsWith('{') ? text : (/^data: (\{.*)$/m.exec(text)?.[1] ?? '{}')) as RpcAnswer;
  };

  it('2025-11-25: a prompt of a 2026-07-28 upstream is bridged across eras', async () => {
    const body = await legacyGet('conf__test_simple_prompt');
    expect(body.result?.messages?.[0]?.content.text).toBe('This is a simple prompt for testing.');
    expect(body.result?.resultType).toBeUndefined();
  });

  it("2025-11-25: a 2025 upstream's prompt is forwarded in the link's session, and again after the upstream forgot it", async () => {
    const first = await legacyGet('old__test_prompt_with_arguments', { arg1: 'first', arg2: 'second' });
    expect(first.result?.messages?.[0]?.content.text).toBe(
      "Prompt with arguments: arg1='first', arg2='second'",
    );
    expect(sessionsSeen.size).toBe(1);
    // The upstream forgot the session: the hub opens a new one and sends the request again.
    forgetSessions = true;
    const again = await legacyGet('old__test_prompt_with_arguments', { arg1: 'first', arg2: 'third' });
    expect(forgetSessions).toBe(false);
    expect(again.result?.messages?.[0]?.content.text).toBe(
      "Prompt with arguments: arg1='first', arg2='third'",
    );
    expect(sessionsSeen.size).toBe(2);
    // A tool call takes the same path: forwarded in the session, renewed once when forgotten.
    forgetSessions = true;
    const called = await callToolRaw(`${gatehouse.url}/hub/mcp`, pat, 'old__test_simple_text');
    expect(await called.text()).toContain('This is a simple text response for testing.');
    expect(forgetSessions).toBe(false);
    expect(sessionsSeen.size).toBe(3);
  });
  const WITH_TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
  const startTask = async (seconds: number, token = pat) => {
    const created = await modern(
      'tools/call',
      { name: 'conf__slow_compute', arguments: { seconds, label: 'relayed' } },
      { token, capabilities: WITH_TASKS },
    );
    expect(created.result?.resultType).toBe('task');
    return String(created.result?.taskId);
  };
  const getTask = (taskId: string, token = pat, capabilities: Record<string, unknown> = WITH_TASKS) =>
    modern('tasks/get', { taskId }, { token, capabilities });

  it("2026-07-28: advertises the tasks extension; an upstream's task is polled through the hub by the hub's own id", async () => {
    const discovered = await modern('server/discover', {}, { name: '' });
    expect((discovered.result?.capabilities as { extensions?: object }).extensions).toHaveProperty([
      'io.modelcontextprotocol/tasks',
    ]);
    const taskId = await startTask(0);
    // The hub's id, not the upstream's bare UUID: it names the entry and is bound to this user.
    expect(taskId).toMatch(/^conf\/[0-9a-f-]{36}\.[\w-]{22}$/);
    let got = await getTask(taskId);
    for (let tries = 0; got.result?.status === 'working' && tries < 40; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      got = await getTask(taskId);
    }
    expect(got.result).toMatchObject({
      resultType: 'complete',
      taskId,
      status: 'completed',
      result: { content: [{ type: 'text', text: 'Computed relayed after 0s' }] },
    });
  });

  it('2026-07-28: a task is refused to another user, to a request without the extension, to a forged or bare id, and to wrong headers', async () => {
    const taskId = await startTask(0);
    // The same shared upstream credential for both users: the hub's MAC is what keeps the task Alice's.
    expect((await getTask(taskId, otherPat)).error?.code).toBe(-32602);
    const undeclared = await getTask(taskId, pat, {});
    expect(undeclared.status).toBe(400);
    expect(undeclared.error?.code).toBe(-32021);
    expect((await getTask(tamperBase64Url(taskId))).error?.code).toBe(-32602);
    const bare = taskId.slice('conf/'.length, taskId.lastIndexOf('.'));
    expect((await getTask(bare)).error?.code).toBe(-32602);
    const wrongHeader = await modern('tasks/get', { taskId }, { capabilities: WITH_TASKS, name: 'another' });
    expect(wrongHeader.status).toBe(400);
    expect(wrongHeader.error?.code).toBe(-32020);
    // Still Alice's, and still there.
    expect((await getTask(taskId)).result?.taskId).toBe(taskId);
  });

  it('2026-07-28: a running task is cancelled through the hub; without the extension the same tool answers at once', async () => {
    const taskId = await startTask(30);
    const cancelled = await modern('tasks/cancel', { taskId }, { capabilities: WITH_TASKS });
    expect(cancelled.result).toEqual({ resultType: 'complete' });
    expect((await getTask(taskId)).result?.status).toBe('cancelled');
    const sync = await modern('tools/call', { name: 'conf__slow_compute', arguments: { seconds: 0 } });
    expect(sync.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Computed result after 0s' }],
    });
  });

  it("2026-07-28: a client listening on the hub hears its upstreams' list changes, and the hub listens upstream only meanwhile", async () => {
    const client = new Client({ name: 'listener', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gatehouse.url}/hub/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${pat}` } },
      }),
    );
    const heard = { tools: 0, prompts: 0 };
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      heard.tools += 1;
    });
    client.setNotificationHandler('notifications/prompts/list_changed', () => {
      heard.prompts += 1;
    });
    expect(upstreamListens).toBe(0);
    const subscription = await client.listen({ toolsListChanged: true, promptsListChanged: true });
    await client.callTool({ name: 'conf__test_trigger_tool_change', arguments: {} });
    await expect.poll(() => heard.tools, { timeout: 5_000 }).toBe(1);
    await client.callTool({ name: 'conf__test_trigger_prompt_change', arguments: {} });
    await expect.poll(() => heard.prompts, { timeout: 5_000 }).toBe(1);
    // One upstream listen: the 2026-07-28 entry (the 2025-only one has no listen).
    expect(upstreamListens).toBe(1);
    await subscription.close();
    await expect.poll(() => upstreamListens, { timeout: 5_000 }).toBe(0);
    await client.close();
  });

  it("2025-11-25: a client's notification stream also makes the hub listen upstream, and hears the change", async () => {
    const client = new Client(
      { name: 'legacy-listener', version: '1' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    let heard = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      heard += 1;
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gatehouse.url}/hub/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${pat}` } },
      }),
    );
    // The SDK opens its GET stream after the handshake; the hub then listens to the 2026-07-28 upstream.
    await expect.poll(() => upstreamListens, { timeout: 5_000 }).toBe(1);
    await client.callTool({ name: 'conf__test_trigger_tool_change', arguments: {} });
    await expect.poll(() => heard, { timeout: 5_000 }).toBe(1);
    await client.close();
    await expect.poll(() => upstreamListens, { timeout: 5_000 }).toBe(0);
  });
});
