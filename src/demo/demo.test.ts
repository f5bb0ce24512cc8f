import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createConformanceUpstream } from './conformance-upstream';
import { createDemoUpstream, type DemoUpstream } from './upstream';

const URL_ = 'http://127.0.0.1/mcp';
let open: DemoUpstream[] = [];
afterEach(async () => {
  for (const demo of open) await demo.close();
  open = [];
});

async function connect(demo: DemoUpstream) {
  open.push(demo);
  const client = new Client({ name: 'demo-test', version: '1' }, { capabilities: {} });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(URL_), {
      fetch: (input, init) => {
        // As the Node adapter builds it: with the Host header the client sent.
        const request = new Request(input, init);
        request.headers.set('host', '127.0.0.1');
        return demo.fetch(request);
      },
    }),
  );
  return client;
}

/** A task-surface answer, as far as the test reads it. */
interface TaskAnswer {
  result?: {
    resultType?: string;
    status?: string;
    taskId?: string;
    result?: { content?: Array<{ text?: string }> };
  };
  error?: { code: number };
}

const post = (demo: DemoUpstream, body: unknown, headers: Record<string, string> = {}) =>
  demo.fetch(
    new Request(URL_, {
      method: 'POST',
      headers: {
        host: '127.0.0.1',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    }),
  );

describe('the demo upstream', () => {
  it('lists its own tools only; the conformance fixtures are behind --conformance', async () => {
    const plain = await connect(createDemoUpstream());
    expect((await plain.listTools()).tools.map((tool) => tool.name)).toEqual([
      'echo',
      'time',
      'notes.add',
      'notes.list',
      'forbidden',
    ]);
    const fixtures = await connect(createConformanceUpstream());
    const names = (await fixtures.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'echo',
        'test_simple_text',
        'test_input_required_result_elicitation',
        'json_schema_2020_12_tool',
        'test_header_parameter',
      ]),
    );
  });

  it('with --conformance, keeps a 2025 client in a session and refuses a foreign Host (DNS rebinding)', async () => {
    const demo = createConformanceUpstream();
    open.push(demo);
    const initialize = await post(demo, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unknown = await post(
      demo,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'mcp-session-id': 'not-a-session', 'mcp-protocol-version': '2025-11-25' },
    );
    expect(unknown.status).toBe(404);
    const rebound = await demo.fetch(
      new Request('http://evil.example/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', host: 'evil.example' },
        body: '{}',
      }),
    );
    expect(rebound.status).toBe(403);
  });

  it('with --conformance, signs the multi-round-trip state and refuses a tampered one', async () => {
    const demo = createConformanceUpstream();
    open.push(demo);
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
    };
    const call = (extra: Record<string, unknown>) =>
      post(
        demo,
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'test_input_required_result_tampered_state', arguments: {}, _meta: meta, ...extra },
        },
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'test_input_required_result_tampered_state',
        },
      ).then(
        (response) =>
          response.json() as Promise<{ result?: Record<string, unknown>; error?: { code: number } }>,
      );
    const first = await call({});
    expect(first.result?.resultType).toBe('input_required');
    const state = String(first.result?.requestState);
    const answer = { confirm: { action: 'accept', content: { ok: true } } };
    expect((await call({ inputResponses: answer, requestState: `${state}x` })).error?.code).toBe(-32602);
    const done = await call({ inputResponses: answer, requestState: state });
    expect(done.result?.content).toEqual([{ type: 'text', text: 'state verified' }]);
  });

  it('with --conformance, serves the tasks extension: created, polled, cancelled; refused without it', async () => {
    const demo = createConformanceUpstream();
    open.push(demo);
    const rpc = async (method: string, params: Record<string, unknown>, tasks: boolean, name?: string) => {
      const capabilities = tasks ? { extensions: { 'io.modelcontextprotocol/tasks': {} } } : {};
      const response = await post(
        demo,
        {
          jsonrpc: '2.0',
          id: 9,
          method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': capabilities,
            },
          },
        },
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(name === undefined ? {} : { 'mcp-name': name }),
        },
      );
      return { status: response.status, ...((await response.json()) as TaskAnswer) };
    };
    const refused = await rpc('tools/call', { name: 'failing_job', arguments: {} }, false, 'failing_job');
    expect(refused).toMatchObject({ status: 400, error: { code: -32021 } });
    expect((await rpc('tasks/get', { taskId: 'x' }, false, 'x')).error?.code).toBe(-32021);

    const created = await rpc(
      'tools/call',
      { name: 'slow_compute', arguments: { seconds: 0 } },
      true,
      'slow_compute',
    );
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 60000 });
    const taskId = String(created.result?.taskId);
    await expect
      .poll(async () => (await rpc('tasks/get', { taskId }, true, taskId)).result?.status)
      .toBe('completed');
    const done = await rpc('tasks/get', { taskId }, true, taskId);
    expect(done.result?.result?.content?.[0]?.text).toBe('Computed result after 0s');
    expect((await rpc('tasks/cancel', { taskId }, true, taskId)).result).toEqual({ resultType: 'complete' });
    expect((await rpc('tasks/get', { taskId: 'nope' }, true, 'nope')).error?.code).toBe(-32602);
    expect((await rpc('tasks/get', { taskId }, true, 'another')).error?.code).toBe(-32020);
  });
});
