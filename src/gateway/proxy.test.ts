import { describe, expect, it } from 'vitest';
import { importHmacKey, utf8 } from '../crypto';
import { plainFromRequest, responseFrom } from '../http/plain';
import { createLogger, createMemoryDestination } from '../telemetry';
import {
  type Caller,
  createEndpointProxy,
  type EndpointProxyOptions,
  fetchUpstream,
  type UpstreamFetch,
} from './proxy';
import { createSessionBinding } from './session-binding';
import { createToolScopes } from './tool-scopes';

const TOOLS = [{ name: 'echo' }, { name: 'notes.add' }, { name: 'constructor' }];

/** A proxy over an upstream that the test scripts; it records what reached the upstream. */
async function setup(
  answer: (request: Request) => Response | Promise<Response>,
  timeoutMs = 2000,
  extra: Partial<EndpointProxyOptions> = {},
) {
  const seen: Request[] = [];
  const upstream: UpstreamFetch = async (request) => {
    seen.push(request.clone());
    return answer(request);
  };
  const logs = createMemoryDestination();
  const plain = createEndpointProxy({
    upstream: fetchUpstream(upstream, 'http://upstream.test/mcp'),
    timeoutMs,
    tools: createToolScopes({ 'notes.add': ['notes:write'] }),
    sessions: createSessionBinding(await importHmacKey(utf8.encode('k'.repeat(32))), '/mcp'),
    scopeChallenge: (needed) => `Bearer error="insufficient_scope", scope="${needed.join(' ')}"`,
    logger: createLogger({ level: 'info', destination: logs }),
    ...extra,
  });
  // Driven with WHATWG Requests and read as Responses, as the Hono route does.
  const proxy = async (request: Request, who: Caller) =>
    responseFrom(
      await plain(
        plainFromRequest(request, request.method === 'POST' ? await request.text() : undefined),
        who,
      ),
    );
  return { proxy, seen, logs };
}

const caller = (subject = 'u_alice', scopes = ['mcp:tools']): Caller => ({
  subject,
  scopes,
  credential: async () => ({ ok: true, header: { name: 'authorization', value: 'Bearer team-key' } }),
});

const post = (message: unknown, headers: Record<string, string> = {}) =>
  new Request('http://gatehouse.test/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: 'Bearer gatehouse-access-token',
      cookie: 'gh_session=secret',
      origin: 'http://gatehouse.test',
      'mcp-protocol-version': '2025-11-25',
      ...headers,
    },
    body: JSON.stringify(message),
  });
const listTools = { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} };
const call = (name: string, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});
const toolList = () => Response.json({ jsonrpc: '2.0', id: 7, result: { tools: TOOLS } });

describe('the endpoint proxy', () => {
  it('sends the configured credential, never the caller token, cookie or origin', async () => {
    const { proxy, seen } = await setup(toolList);
    await proxy(post(listTools), caller('u_alice', ['mcp:tools', 'notes:write']));
    const headers = Object.fromEntries(seen[0]?.headers ?? []);
    expect(headers.authorization).toBe('Bearer team-key');
    expect(headers['mcp-protocol-version']).toBe('2025-11-25');
    expect(headers.cookie).toBeUndefined();
    expect(headers.origin).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('gatehouse-access-token');
  });

  it('lists tools whose scopes the caller lacks with the scope they need, in JSON and in SSE answers', async () => {
    const json = await setup(toolList);
    const tools = async (response: Response) =>
      ((await response.json()) as { result: { tools: Array<{ name: string; description?: string }> } }).result
        .tools;
    const narrow = await tools(await json.proxy(post(listTools), caller()));
    expect(narrow.map((t) => t.name)).toEqual(['echo', 'notes.add', 'constructor']);
    expect(narrow[1]?.description).toBe(
      'Needs the scope notes:write, which your access does not include yet: calling it asks for it.',
    );
    expect(narrow[0]).toEqual({ name: 'echo' }); // a tool the grant covers is untouched
    const wide = await tools(await json.proxy(post(listTools), caller('u', ['mcp:tools', 'notes:write'])));
    expect(wide).toEqual(TOOLS);
    const sse = await setup(
      () =>
        new Response(
          `id: e1\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\nid: e2\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tools: TOOLS } })}\n\n`,
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const text = await (await sse.proxy(post(listTools), caller())).text();
    expect(text).toContain('"name":"notes.add","description":"Needs the scope notes:write');
    expect(text).toContain('notifications/progress');
  });

  it('leaves them out where the endpoint hides tools without their scopes', async () => {
    const hidden = await setup(toolList, 2000, { hideToolsWithoutScope: true });
    const names = async (response: Response) =>
      ((await response.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map(
        (t) => t.name,
      );
    expect(await names(await hidden.proxy(post(listTools), caller()))).toEqual(['echo', 'constructor']);
    expect(
      await names(await hidden.proxy(post(listTools), caller('u', ['mcp:tools', 'notes:write']))),
    ).toEqual(['echo', 'notes.add', 'constructor']);
  });

  it('answers a call to a tool beyond the grant with 403 insufficient_scope, before the upstream', async () => {
    const { proxy, seen } = await setup(toolList);
    const refused = await proxy(post(call('notes.add')), caller());
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="notes:write"',
    );
    expect(await refused.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'the tool notes.add needs: notes:write',
    });
    // a batch cannot smuggle the call past the check
    expect((await proxy(post([call('echo'), call('notes.add', 2)]), caller())).status).toBe(403);
    // `constructor` is a tool name like any other (no Object.prototype lookups)
    expect((await proxy(post(call('constructor')), caller())).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('binds upstream sessions to the caller who opened them', async () => {
    const { proxy, seen } = await setup(() =>
      Response.json(
        { jsonrpc: '2.0', id: 1, result: {} },
        { headers: { 'mcp-session-id': 'upstream-session-1' } },
      ),
    );
    const opened = await proxy(
      post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
      caller('u_alice'),
    );
    const sessionId = opened.headers.get('mcp-session-id') ?? '';
    expect(sessionId).toMatch(/^upstream-session-1\.[\w-]{22}$/);
    await proxy(post(listTools, { 'mcp-session-id': sessionId }), caller('u_alice'));
    expect(seen[1]?.headers.get('mcp-session-id')).toBe('upstream-session-1');
    const stolen = await proxy(post(listTools, { 'mcp-session-id': sessionId }), caller('u_mallory'));
    expect(stolen.status).toBe(404);
    const forged = await proxy(
      post(listTools, { 'mcp-session-id': 'upstream-session-1' }),
      caller('u_alice'),
    );
    expect(forged.status).toBe(404);
    expect(seen).toHaveLength(2);
  });

  it('turns upstream HTTP failures into tool errors with httpStatus, never passing its challenge', async () => {
    const { proxy } = await setup(
      () =>
        new Response('{"error":"invalid_token","error_description":"key expired"}', {
          status: 401,
          headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="upstream"' },
        }),
    );
    const answer = await proxy(post(call('echo')), caller());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(await answer.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        isError: true,
        content: [{ type: 'text', text: 'the upstream MCP server answered HTTP 401: key expired' }],
        structuredContent: {
          httpStatus: 401,
          error: 'the upstream MCP server answered HTTP 401: key expired',
        },
      },
    });
    const list = (await (await proxy(post(listTools), caller())).json()) as { error: { data: unknown } };
    expect(list.error.data).toEqual({ httpStatus: 401 });
    const stream = await proxy(new Request('http://gatehouse.test/mcp', { method: 'GET' }), caller());
    expect(stream.status).toBe(502);
    expect(await stream.json()).toMatchObject({ error: 'upstream_error', httpStatus: 401 });
  });

  it('keeps the scopes of an upstream 403 scope challenge as data (what a step-up asks for)', async () => {
    const { proxy } = await setup(
      () =>
        new Response('{"error":"insufficient_scope"}', {
          status: 403,
          headers: {
            'content-type': 'application/json',
            'www-authenticate': 'Bearer error="insufficient_scope", scope="repo read:org"',
          },
        }),
    );
    const answer = (await (await proxy(post(call('echo')), caller())).json()) as {
      result: { structuredContent: Record<string, unknown> };
    };
    expect(answer.result.structuredContent).toMatchObject({ httpStatus: 403, scope: 'repo read:org' });
  });

  it('passes an upstream JSON-RPC error answer through with its status (e.g. an unknown session)', async () => {
    const body = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } };
    const { proxy } = await setup(() => Response.json(body, { status: 404 }));
    const answer = await proxy(post(listTools), caller());
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual(body);
  });

  it('times out a silent upstream and reports an unreachable one, as tool errors', async () => {
    const silent = await setup(
      (request) =>
        new Promise((_, reject) =>
          request.signal.addEventListener('abort', () => reject(request.signal.reason)),
        ),
      50,
    );
    const late = (await (await silent.proxy(post(call('echo')), caller())).json()) as {
      result: { structuredContent: unknown };
    };
    expect(late.result.structuredContent).toEqual({
      httpStatus: 504,
      error: 'the upstream MCP server did not answer within 0.05 s',
    });
    const down = await setup(() => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
    });
    const refused = (await (await down.proxy(post(call('echo')), caller())).json()) as {
      result: { content: Array<{ text: string }> };
    };
    expect(refused.result.content[0]?.text).toBe('the upstream MCP server is unreachable (ECONNREFUSED)');
  });

  it('refuses bodies that are not JSON-RPC and methods MCP does not use', async () => {
    const { proxy, seen } = await setup(toolList);
    const bad = new Request('http://gatehouse.test/mcp', { method: 'POST', body: '{not json' });
    expect((await proxy(bad, caller())).status).toBe(400);
    expect((await proxy(post([]), caller())).status).toBe(400);
    expect(
      (await proxy(new Request('http://gatehouse.test/mcp', { method: 'PUT', body: '{}' }), caller())).status,
    ).toBe(405);
    expect(seen).toHaveLength(0);
  });

  it('reports a credential it cannot obtain as a tool error, without calling the upstream', async () => {
    const { proxy, seen } = await setup(toolList);
    const answer = await proxy(post(call('echo')), {
      subject: 'u_bob',
      scopes: ['mcp:tools'],
      credential: async () => ({ ok: false, httpStatus: 401, message: 'no upstream sign-in token for you' }),
    });
    expect(
      ((await answer.json()) as { result: { structuredContent: unknown } }).result.structuredContent,
    ).toEqual({
      httpStatus: 401,
      error: 'no upstream sign-in token for you',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('the endpoint proxy: outbound limits', () => {
  it('never follows an upstream redirect (the credential would go along), and says why', async () => {
    const { proxy, seen } = await setup(
      () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/mcp' } }),
    );
    const answer = (await (await proxy(post(call('echo')), caller())).json()) as {
      result: { structuredContent: { httpStatus: number; error: string } };
    };
    expect(seen[0]?.redirect).toBe('manual');
    expect(answer.result.structuredContent.httpStatus).toBe(502);
    expect(answer.result.structuredContent.error).toMatch(/redirect, not followed/);
  });

  it('refuses an answer larger than the cap, and one whose body stalls after its headers', async () => {
    const big = await setup(
      () => Response.json({ jsonrpc: '2.0', id: 1, result: { blob: 'x'.repeat(5000) } }),
      2000,
      { maxResponseBytes: 1000 },
    );
    const tooBig = (await (await big.proxy(post(call('echo')), caller())).json()) as {
      result: { structuredContent: { httpStatus: number; error: string } };
    };
    expect(tooBig.result.structuredContent).toMatchObject({
      httpStatus: 502,
      error: expect.stringMatching(/larger than 1000 bytes/),
    });

    const stalled = await setup(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0",'));
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
      80,
    );
    const late = (await (await stalled.proxy(post(call('echo')), caller())).json()) as {
      result: { structuredContent: { httpStatus: number } };
    };
    expect(late.result.structuredContent.httpStatus).toBe(504);
  });

  it('ends an SSE stream that goes quiet for the timeout', async () => {
    const { proxy } = await setup(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(
                new TextEncoder().encode(
                  'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n',
                ),
              );
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
      80,
    );
    const answer = await proxy(post(call('echo')), caller());
    const reader = answer.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('notifications/progress');
    await expect(reader?.read()).rejects.toThrow(/sent nothing for 0.08 s/);
  });
});
