import { isLegacyRequest } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConformanceUpstream } from '../../src/demo/conformance-upstream';
import { listen } from '../../src/http';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createHubPat } from '../support/hub';
import { callToolRaw, mcpPostHeaders } from '../support/mcp-call';
import { createBrowser, devLogin } from '../support/oauth-driver';

const MODERN = '2026-07-28';
const MRTR_PROMPT = 'conf__test_input_required_result_prompt';

interface RpcAnswer {
  result?: Record<string, unknown> & { messages?: Array<{ content: { text?: string } }> };
  error?: { code: number; message: string };
}

/**
 * Prompts through the hub: forwarded to the upstream when both speak the same era, so an upstream's
 * multi-round-trip prompt (2026-07-28 `input_required`) reaches the client and its retry reaches the
 * upstream; across eras the SDK bridges them.
 */
describe('hub prompts, and a 2025-only upstream', () => {
  let upstream: Awaited<ReturnType<typeof listen>>;
  let demo: ReturnType<typeof createConformanceUpstream>;
  let gatehouse: TestGatehouse;
  let pat: string;
  let forgetSessions = false;
  const sessionsSeen = new Set<string>();
  beforeAll(async () => {
    demo = createConformanceUpstream();
    const app = new Hono();
    app.all('/mcp', (c) => demo.fetch(c.req.raw));
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
  });
  afterAll(async () => {
    await gatehouse?.close();
    await upstream?.close();
    await demo?.close();
  });

  const modernGet = async (params: Record<string, unknown>): Promise<RpcAnswer> => {
    const answer = await fetch(`${gatehouse.url}/hub/mcp`, {
      method: 'POST',
      headers: {
        ...mcpPostHeaders(pat),
        'mcp-protocol-version': MODERN,
        'mcp-method': 'prompts/get',
        'mcp-name': String(params.name),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'prompts/get',
        params: {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
            'io.modelcontextprotocol/clientInfo': { name: 'prompts-test', version: '1' },
          },
        },
      }),
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as RpcAnswer;
  };

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
    const mismatched = await fetch(`${gatehouse.url}/hub/mcp`, {
      method: 'POST',
      headers: {
        ...mcpPostHeaders(pat),
        'mcp-protocol-version': MODERN,
        'mcp-method': 'prompts/get',
        'mcp-name': 'conf__test_simple_prompt',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'prompts/get',
        params: {
          name: MRTR_PROMPT,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN,
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'prompts-test', version: '1' },
          },
        },
      }),
    });
    // Not forwarded: the SDK refuses a request whose headers contradict its body (-32020 on the wire).
    const refused = (await mismatched.json()) as RpcAnswer;
    expect(refused.error?.code).toBe(-32020);
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
});
