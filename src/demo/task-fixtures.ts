import { randomUUID } from 'node:crypto';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { declaresTasks, TASK_METHODS, TASKS_EXTENSION, TASKS_REQUIRED } from '../gateway/hub/tasks';

/**
 * The tasks extension (SEP-2663, `io.modelcontextprotocol/tasks`) for `gatehouse demo --conformance`: the
 * suite's task fixtures and `tasks/get`, `tasks/update`, `tasks/cancel`. The SDK has the types but no
 * server support, so the task surface is served here, in front of it, on the 2026-07-28 wire; the sync
 * paths (a client without the extension calling an optional-task tool, `greet`) stay the SDK's.
 */

const TTL_MS = 60_000;
const POLL_MS = 250;
const MAX_TASKS = 1000;

type Status = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };
type InputRequest = { method: string; params: Record<string, unknown> };

interface Task {
  taskId: string;
  status: Status;
  createdAt: string;
  lastUpdatedAt: string;
  expiresAt: number;
  result?: ToolResult;
  error?: { code: number; message: string };
  inputRequests?: Record<string, InputRequest>;
  /** answers to the pending input requests, as they arrive */
  answers: Record<string, unknown>;
  /** wakes a task waiting for input */
  wake?: () => void;
}

const text = (value: string): ToolResult => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const confirmRequest = (message: string): InputRequest => ({
  method: 'elicitation/create',
  params: {
    message,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
  },
});

/** Which tools run as tasks, and whether a client must have the extension to call them. */
const TASK_TOOLS: Record<string, 'optional' | 'required'> = {
  slow_compute: 'optional',
  failing_job: 'required',
  protocol_error_job: 'optional',
  confirm_delete: 'optional',
  multi_input: 'optional',
  test_tool_with_task: 'required',
};

/** Lists the fixtures (and runs the sync path of the optional ones for clients without the extension). */
export function registerTaskFixtures(server: McpServer): void {
  const mark = (tool: RegisteredTool, support: 'optional' | 'required') => {
    (tool as RegisteredTool & { execution?: unknown }).execution = { taskSupport: support };
  };
  server.registerTool(
    'greet',
    { description: 'Greets (sync only)', inputSchema: z.object({ name: z.string() }) },
    async ({ name }) => text(`Hello, ${name}!`),
  );
  mark(
    server.registerTool(
      'slow_compute',
      {
        description: 'Sleeps, then answers (a task when the client has the tasks extension)',
        inputSchema: z.object({ seconds: z.number().min(0).max(120), label: z.string().optional() }),
      },
      async ({ seconds, label }) => {
        await sleep(seconds * 1000);
        return text(`Computed ${label ?? 'result'} after ${seconds}s`);
      },
    ),
    'optional',
  );
  for (const [name, description] of [
    ['failing_job', 'Fails as a tool after about a second (needs the tasks extension)'],
    ['protocol_error_job', 'Fails with a protocol error (as a task)'],
    ['confirm_delete', 'Asks for a confirmation, then deletes (as a task)'],
    ['multi_input', 'Asks two questions at once (as a task)'],
    ['test_tool_with_task', 'Asks for a name, then runs as a task (needs the tasks extension)'],
  ] as const)
    mark(
      server.registerTool(name, { description, inputSchema: z.object({}).passthrough() }, async () =>
        text(`${name} runs as a task: declare the ${TASKS_EXTENSION} extension`),
      ),
      TASK_TOOLS[name] ?? 'optional',
    );
}

interface RpcBody {
  id?: unknown;
  method?: unknown;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

/** The task store and the task surface of one demo process. */
export function createTaskSurface() {
  const tasks = new Map<string, Task>();
  const now = () => new Date().toISOString();
  const touch = (task: Task, status: Status) => {
    task.status = status;
    task.lastUpdatedAt = now();
  };
  const settle = (task: Task, outcome: { result: ToolResult } | { error: Task['error'] }) => {
    if (task.status === 'cancelled') return;
    if ('result' in outcome) task.result = outcome.result;
    else task.error = outcome.error;
    touch(task, 'result' in outcome ? 'completed' : 'failed');
  };
  /** Parks the task until every input request is answered; the answers. */
  const ask = async (task: Task, requests: Record<string, InputRequest>) => {
    task.inputRequests = requests;
    touch(task, 'input_required');
    while (task.status === 'input_required' && Object.keys(task.inputRequests ?? {}).length > 0)
      await new Promise<void>((resolve) => {
        task.wake = resolve;
      });
    if (task.status !== 'cancelled') touch(task, 'working');
    return task.answers;
  };
  const run = async (task: Task, tool: string, args: Record<string, unknown>, gathered: unknown) => {
    switch (tool) {
      case 'slow_compute': {
        const seconds = Number(args.seconds ?? 0);
        await sleep(Math.max(0, Math.min(seconds, 120)) * 1000);
        return settle(task, { result: text(`Computed ${String(args.label ?? 'result')} after ${seconds}s`) });
      }
      case 'failing_job':
        await sleep(1000);
        return settle(task, { result: { ...text('the job failed'), isError: true } });
      case 'protocol_error_job':
        return settle(task, { error: { code: -32603, message: 'Internal error: the job crashed' } });
      case 'confirm_delete': {
        const key = `confirm-${randomUUID()}`;
        const answers = await ask(task, {
          [key]: confirmRequest(`Delete ${String(args.filename ?? 'the file')}?`),
        });
        const confirmed = (answers[key] as { content?: { confirm?: unknown } } | undefined)?.content?.confirm;
        return settle(task, { result: text(confirmed ? 'Deleted' : 'Not deleted') });
      }
      case 'multi_input': {
        const [first, second] = [`first-${randomUUID()}`, `second-${randomUUID()}`];
        await ask(task, {
          [first]: confirmRequest('First question?'),
          [second]: confirmRequest('Second question?'),
        });
        return settle(task, { result: text('Both answers received') });
      }
      default: {
        const name = (gathered as { content?: { name?: unknown } } | undefined)?.content?.name;
        return settle(task, { result: text(`Hello, ${String(name ?? 'there')}! (from a task)`) });
      }
    }
  };
  const create = (tool: string, args: Record<string, unknown>, gathered?: unknown): Task => {
    const at = now();
    const task: Task = {
      taskId: randomUUID(),
      status: 'working',
      createdAt: at,
      lastUpdatedAt: at,
      expiresAt: Date.now() + TTL_MS,
      answers: {},
    };
    for (const [id, old] of tasks)
      if (old.expiresAt < Date.now() || tasks.size >= MAX_TASKS) tasks.delete(id);
    tasks.set(task.taskId, task);
    void run(task, tool, args, gathered).catch((error: unknown) =>
      settle(task, { error: { code: -32603, message: error instanceof Error ? error.message : 'failed' } }),
    );
    return task;
  };
  const envelope = (task: Task) => ({
    taskId: task.taskId,
    status: task.status,
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: TTL_MS,
    pollIntervalMs: POLL_MS,
  });

  /** The answer for a task-surface request, or undefined to leave it to the SDK. */
  return async function handle(request: Request): Promise<Response | undefined> {
    if (request.method !== 'POST') return undefined;
    let body: RpcBody;
    try {
      body = (await request.clone().json()) as RpcBody;
    } catch {
      return undefined;
    }
    if (Array.isArray(body) || typeof body.method !== 'string') return undefined;
    const method = body.method;
    const params = body.params ?? {};
    const id = body.id ?? null;
    const hasTasks = declaresTasks({ jsonrpc: '2.0', method, params });
    const answer = (result: Record<string, unknown>) => Response.json({ jsonrpc: '2.0', id, result });
    const fail = (code: number, message: string, status: number, data?: unknown) =>
      Response.json({ jsonrpc: '2.0', id, error: { code, message, ...(data ? { data } : {}) } }, { status });
    const missingExtension = () =>
      fail(
        -32021,
        `this needs the ${TASKS_EXTENSION} extension, which the client did not declare`,
        400,
        TASKS_REQUIRED,
      );

    if (TASK_METHODS.has(method)) {
      const taskId = typeof params.taskId === 'string' ? params.taskId : '';
      // SEP-2243 / SEP-2663 routing headers, when sent, must name the body's method and task.
      const headerMethod = request.headers.get('mcp-method')?.trim();
      const headerName = request.headers.get('mcp-name')?.trim();
      if ((headerMethod && headerMethod !== method) || (headerName && headerName !== taskId))
        return fail(-32020, 'the Mcp-Method / Mcp-Name headers do not match the request body', 400);
      if (!hasTasks) return missingExtension();
      const task = tasks.get(taskId);
      if (!task || task.expiresAt < Date.now())
        return fail(-32602, `unknown task ${taskId.slice(0, 80)}`, 200);
      if (method === 'tasks/cancel') {
        if (task.status === 'working' || task.status === 'input_required') {
          touch(task, 'cancelled');
          task.wake?.();
        }
        return answer({ resultType: 'complete' });
      }
      if (method === 'tasks/update') {
        const responses = (params.inputResponses ?? {}) as Record<string, unknown>;
        for (const [key, value] of Object.entries(responses)) {
          if (!task.inputRequests?.[key]) continue;
          task.answers[key] = value;
          delete task.inputRequests[key];
        }
        if (Object.keys(task.inputRequests ?? {}).length === 0) task.wake?.();
        return answer({ resultType: 'complete' });
      }
      return answer({
        resultType: 'complete',
        ...envelope(task),
        ...(task.status === 'completed' && task.result ? { result: task.result } : {}),
        ...(task.status === 'failed' && task.error ? { error: task.error } : {}),
        ...(task.status === 'input_required' && task.inputRequests
          ? { inputRequests: task.inputRequests }
          : {}),
      });
    }

    if (method !== 'tools/call' || typeof params.name !== 'string') return undefined;
    const support = TASK_TOOLS[params.name];
    if (!support) return undefined;
    if (!hasTasks) return support === 'required' ? missingExtension() : undefined;
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    if (params.name === 'test_tool_with_task') {
      // SEP-2322 then SEP-2663: gather the name first (no task yet), then escalate to a task.
      const gathered = (params.inputResponses as Record<string, unknown> | undefined)?.user_name;
      if (!gathered)
        return answer({
          resultType: 'input_required',
          inputRequests: {
            user_name: {
              method: 'elicitation/create',
              params: {
                message: 'What is your name?',
                requestedSchema: {
                  type: 'object',
                  properties: { name: { type: 'string' } },
                  required: ['name'],
                },
              },
            },
          },
        });
      return answer({ resultType: 'task', ...envelope(create(params.name, args, gathered)) });
    }
    return answer({ resultType: 'task', ...envelope(create(params.name, args)) });
  };
}
