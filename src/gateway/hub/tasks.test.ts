import { describe, expect, it } from 'vitest';
import { tamperBase64Url } from '../../../test/support/tamper';
import { importHmacKey } from '../../crypto';
import type { PlainAnswer } from '../../http/plain';
import { createHubTaskIds, declaresTasks, mapAnswerTaskIds, TASKS_EXTENSION } from './tasks';

const ids = async () => createHubTaskIds(await importHmacKey(new Uint8Array(32).fill(7)), '/hub/mcp');
const upper = async (id: string) => id.toUpperCase();
const text = async (body: PlainAnswer['body']) =>
  body instanceof ReadableStream ? new Response(body).text() : String(body);

describe('hub task ids', () => {
  it('route to the entry and the upstream id, for the user they were made for only', async () => {
    const taskIds = await ids();
    const id = await taskIds.wrap('alice', 'github', 'task/with.dots');
    expect(await taskIds.unwrap('alice', id)).toEqual({ slug: 'github', taskId: 'task/with.dots' });
    expect(await taskIds.unwrap('bob', id)).toBeUndefined();
    expect(await taskIds.unwrap('alice', tamperBase64Url(id))).toBeUndefined();
    expect(await taskIds.unwrap('alice', 'github/task-1')).toBeUndefined();
    expect(await taskIds.unwrap('alice', '')).toBeUndefined();
    // Another endpoint's binding (its session ids) is not a task id here.
    const other = createHubTaskIds(await importHmacKey(new Uint8Array(32).fill(7)), '/other');
    expect(await other.unwrap('alice', id)).toBeUndefined();
  });

  it('are mapped in a task result, a related-task _meta, and not in other results', async () => {
    const json = (value: unknown): PlainAnswer => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value),
    });
    const task = await mapAnswerTaskIds(
      json({ jsonrpc: '2.0', id: 1, result: { resultType: 'task', taskId: 'abc', status: 'working' } }),
      upper,
    );
    expect(JSON.parse(await text(task.body)).result.taskId).toBe('ABC');
    const related = await mapAnswerTaskIds(
      json({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progress: 1, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'xyz' } } },
      }),
      upper,
    );
    expect(JSON.parse(await text(related.body)).params._meta['io.modelcontextprotocol/related-task']).toEqual(
      {
        taskId: 'XYZ',
      },
    );
    // A tool's own arguments or results that happen to have a `taskId` deeper down are not touched.
    const plain = json({
      jsonrpc: '2.0',
      id: 2,
      result: { content: [], structuredContent: { taskId: 'mine' } },
    });
    expect(await text((await mapAnswerTaskIds(plain, upper)).body)).toBe(plain.body);
  });

  it('are mapped in an SSE body, whole or streamed in pieces that split events anywhere', async () => {
    const events =
      'id: 1\nretry: 1000\ndata: \n\n' +
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n' +
      'event: message\ndata: {"jsonrpc":"2.0","id":7,"result":{"resultType":"task","taskId":"t-1"}}\n\n';
    const sse = { 'content-type': 'text/event-stream' };
    const whole = await mapAnswerTaskIds({ status: 200, headers: sse, body: events }, upper);
    expect(await text(whole.body)).toBe(events.replace('"t-1"', '"T-1"'));

    const bytes = new TextEncoder().encode(events);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.subarray(at, at + 7));
        controller.close();
      },
    });
    const streamed = await mapAnswerTaskIds({ status: 200, headers: sse, body: stream }, upper);
    expect(await text(streamed.body)).toBe(events.replace('"t-1"', '"T-1"'));
  });

  it('are relayed only to a request that declares the extension', () => {
    const call = (meta: unknown) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { _meta: meta },
    });
    const declared = {
      'io.modelcontextprotocol/clientCapabilities': { extensions: { [TASKS_EXTENSION]: {} } },
    };
    expect(declaresTasks(call(declared))).toBe(true);
    expect(declaresTasks(call({ 'io.modelcontextprotocol/clientCapabilities': { extensions: {} } }))).toBe(
      false,
    );
    expect(declaresTasks(call(undefined))).toBe(false);
  });
});
