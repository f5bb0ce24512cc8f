import type { HmacKey } from '../../crypto';
import type { PlainAnswer } from '../../http/plain';
import { isObject, type RpcMessage } from '../json-rpc';
import { createSessionBinding } from '../session-binding';
import { rewriteSseMessages } from '../sse';

/** The tasks extension (SEP-2663): a tool call may answer with a task the client then polls. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/update', 'tasks/cancel']);
const RELATED_TASK = 'io.modelcontextprotocol/related-task';
/** The `data` of a -32021 refusal of a request that needed the extension (SEP-2575). */
export const TASKS_REQUIRED = { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } };

/** Whether a 2026-07-28 request declares the tasks extension (per request, in `_meta`). */
export function declaresTasks(message: RpcMessage): boolean {
  const meta = (message.params as { _meta?: unknown } | undefined)?._meta;
  if (!isObject(meta)) return false;
  const declared = meta['io.modelcontextprotocol/clientCapabilities'];
  return isObject(declared) && isObject(declared.extensions) && TASKS_EXTENSION in declared.extensions;
}

/**
 * The hub's task ids: `<entry slug>/<upstream task id>.<MAC over the user>`. The slug routes `tasks/*` to
 * the upstream that owns the task; the MAC keeps it to the user it was made for, since an upstream reached
 * with one shared credential sees every user as the same caller (as with session ids, session-binding.ts).
 */
export function createHubTaskIds(key: HmacKey, endpoint: string) {
  const binding = createSessionBinding(key, `${endpoint} tasks`);
  return {
    wrap: (userId: string, slug: string, taskId: string) => binding.wrap(userId, `${slug}/${taskId}`),
    /** The entry and the upstream's id, or undefined for an id not made for this user. */
    async unwrap(userId: string, hubTaskId: string): Promise<{ slug: string; taskId: string } | undefined> {
      const inner = await binding.unwrap(userId, hubTaskId);
      const slash = inner?.indexOf('/') ?? -1;
      if (!inner || slash <= 0) return undefined;
      return { slug: inner.slice(0, slash), taskId: inner.slice(slash + 1) };
    },
  };
}

export type HubTaskIds = ReturnType<typeof createHubTaskIds>;

/** The places a JSON-RPC message carries a task id: a task's result and related-task `_meta`. */
function taskIdHolders(message: unknown): Array<Record<string, unknown>> {
  if (!isObject(message)) return [];
  const holders: Array<Record<string, unknown>> = [];
  for (const part of [message.result, message.params]) {
    if (!isObject(part)) continue;
    if (part === message.result && typeof part.taskId === 'string') holders.push(part);
    const related = isObject(part._meta) ? part._meta[RELATED_TASK] : undefined;
    if (isObject(related) && typeof related.taskId === 'string') holders.push(related);
  }
  return holders;
}

/** Replaces every task id in the messages (in place): `map` gives the id the client sees. */
async function mapTaskIds(messages: unknown[], map: (taskId: string) => Promise<string>): Promise<void> {
  for (const message of messages)
    for (const holder of taskIdHolders(message)) holder.taskId = await map(String(holder.taskId));
}

/** One JSON body, or a batch, with its task ids mapped; anything else unchanged. */
async function mapJsonText(text: string, map: (taskId: string) => Promise<string>): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  if (!messages.some((m) => taskIdHolders(m).length > 0)) return text;
  await mapTaskIds(messages, map);
  return JSON.stringify(parsed);
}

/** The events of an SSE text with their task ids mapped. */
async function mapSseText(text: string, map: (taskId: string) => Promise<string>): Promise<string> {
  // First the ids (mapping them is async), then the text rewritten with them.
  const found: unknown[] = [];
  rewriteSseMessages(text, (message) => {
    found.push(message);
    return message;
  });
  const ids = new Map<string, string>();
  for (const message of found)
    for (const holder of taskIdHolders(message)) {
      const id = String(holder.taskId);
      if (!ids.has(id)) ids.set(id, await map(id));
    }
  if (ids.size === 0) return text;
  return rewriteSseMessages(text, (message) => {
    for (const holder of taskIdHolders(message)) holder.taskId = ids.get(String(holder.taskId));
    return message;
  });
}

/**
 * An upstream's answer with every task id mapped to the client's: a JSON body, a complete SSE body, or a
 * stream (rewritten event by event as it passes).
 */
export async function mapAnswerTaskIds(
  answer: PlainAnswer,
  map: (taskId: string) => Promise<string>,
): Promise<PlainAnswer> {
  const { body } = answer;
  if (body === undefined || body === null) return answer;
  const sse = (answer.headers['content-type'] ?? '').includes('text/event-stream');
  if (body instanceof ReadableStream) {
    if (!sse) return answer;
    return { ...answer, body: body.pipeThrough(sseEvents((event) => mapSseText(event, map))) };
  }
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  return { ...answer, body: sse ? await mapSseText(text, map) : await mapJsonText(text, map) };
}

/** A byte stream of SSE, each complete event (ending in a blank line) passed through `rewrite`. */
function sseEvents(rewrite: (event: string) => Promise<string>): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  return new TransformStream({
    async transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      const end = Math.max(pending.lastIndexOf('\n\n'), pending.lastIndexOf('\r\n\r\n'));
      if (end < 0) return;
      const cut = pending.startsWith('\r\n\r\n', end) ? end + 4 : end + 2;
      const complete = pending.slice(0, cut);
      pending = pending.slice(cut);
      controller.enqueue(encoder.encode(await rewrite(complete)));
    },
    async flush(controller) {
      pending += decoder.decode();
      if (pending) controller.enqueue(encoder.encode(await rewrite(pending)));
    },
  });
}
