import type { HmacKey } from '../../crypto';
import type { PlainAnswer, PlainRequest } from '../../http/plain';
import { plainJson } from '../../http/plain';
import type { VerifiedToken } from '../../resource/verify';
import type { AuditLog, Logger, Metrics } from '../../telemetry';
import {
  answerOutcome,
  failureAnswers,
  isModernWire,
  isRequest,
  type JsonRpcId,
  mcpFactsOf,
  parseMessages,
  type RpcMessage,
} from '../json-rpc';
import type { Upstream } from '../upstream';
import type { CatalogEntry } from './catalog';
import { createHubForwarder } from './forward';
import type { Health } from './health';
import { asUnavailable, type Links } from './links';
import { type HubProtocol, page, skippedMeta } from './protocol';
import type { HubStepUps } from './stepup-wire';
import {
  createHubTaskIds,
  declaresTasks,
  mapAnswerTaskIds,
  TASK_METHODS,
  TASKS_EXTENSION,
  TASKS_REQUIRED,
} from './tasks';
import type { Vault } from './vault';
import type { HubView, Views } from './view';

export interface HubEndpointDeps {
  path: string;
  /** step-up on the wire: asks, retries, the 2025-era session */
  stepUps: HubStepUps;
  views: Views;
  links: Links;
  vault: Vault;
  protocol: HubProtocol;
  health: Health;
  audit: AuditLog;
  metrics: Metrics;
  hmacKey: HmacKey;
  logger: Logger;
  upstreamFor(entry: CatalogEntry): Upstream;
  /** while the user's upstream listens are opening: a call waits, so the change it causes is heard */
  listening(userId: string): Promise<void> | undefined;
  now(): number;
}

/**
 * The hub's MCP endpoint for a signed-in user. A single `tools/call` goes through the gateway's
 * message-level proxy to the upstream that owns the tool (the name rewritten, the user's credential in
 * place of their Gatehouse token), so streams, progress and elicitations pass as they do on an endpoint;
 * when the client and the upstream speak different eras the call is bridged by the SDK instead. A
 * `prompts/get` is forwarded the same way within one era, and `tasks/*` to the upstream that made the task
 * (tasks.ts). Everything else — handshake, discovery, lists, resources, prompts across eras — the hub
 * answers itself.
 */
export function createHubEndpoint(deps: HubEndpointDeps) {
  const taskIds = createHubTaskIds(deps.hmacKey, deps.path);
  const forwarder = createHubForwarder(deps);

  /**
   * A prompt, forwarded when the caller and the upstream speak the same era: an upstream's multi-round-trip
   * prompt (2026-07-28 `input_required`, retried with `inputResponses` and the upstream's own
   * `requestState`) then passes both ways with only the name rewritten. Across eras the SDK bridges it.
   */
  async function getPrompt(
    request: PlainRequest,
    token: VerifiedToken,
    message: RpcMessage & { id: JsonRpcId },
  ): Promise<PlainAnswer> {
    const name = (message.params as { name?: unknown } | undefined)?.name;
    const view = await deps.views.view(token.userId);
    const route = typeof name === 'string' ? view.promptRoutes.get(name) : undefined;
    if (!route) return sdk(request, token);
    const versionHeader = request.header('mcp-protocol-version') ?? null;
    try {
      const link = await deps.links.get(token.userId, route.entry);
      if (isModernWire(message, versionHeader) !== (link.era === 'modern')) return sdk(request, token);
      const target = { key: 'name', value: route.name } as const;
      return (await forwarder.send(request, message, token.userId, route.entry, link, target)).answer;
    } catch (error) {
      return unavailable(error, message, token.userId, route.entry, versionHeader);
    }
  }

  /**
   * `tasks/get|update|cancel` (2026-07-28, SEP-2663), routed by the hub's task id to the upstream that made
   * the task, for the user it was made for; the answer's task ids are the hub's again.
   */
  async function task(
    request: PlainRequest,
    token: VerifiedToken,
    message: RpcMessage & { id: JsonRpcId },
  ): Promise<PlainAnswer> {
    const taskId = (message.params as { taskId?: unknown } | undefined)?.taskId;
    const hubTaskId = typeof taskId === 'string' ? taskId : '';
    const fail = (code: number, text: string, status: number, data?: unknown) =>
      plainJson(status, {
        jsonrpc: '2.0',
        id: message.id,
        error: { code, message: text, ...(data ? { data } : {}) },
      });
    // SEP-2243 routing headers, when sent, name the body's method and task.
    const method = request.header('mcp-method');
    const name = request.header('mcp-name');
    if ((method !== undefined && method !== message.method) || (name !== undefined && name !== hubTaskId))
      return fail(-32020, 'the Mcp-Method / Mcp-Name headers do not match the request body', 400);
    // SEP-2575: a method of an extension the request did not declare is refused as such.
    if (!declaresTasks(message))
      return fail(
        -32021,
        `${message.method} needs the ${TASKS_EXTENSION} extension, which the request did not declare`,
        400,
        TASKS_REQUIRED,
      );
    const owned = await taskIds.unwrap(token.userId, hubTaskId);
    const entry = owned && (await deps.views.view(token.userId)).entries.find((e) => e.slug === owned.slug);
    if (!owned || !entry) return fail(-32602, 'unknown task', 200);
    const versionHeader = request.header('mcp-protocol-version') ?? null;
    try {
      const link = await deps.links.get(token.userId, entry);
      if (link.era !== 'modern') return fail(-32602, 'unknown task', 200);
      const target = { key: 'taskId', value: owned.taskId } as const;
      const { answer } = await forwarder.send(request, message, token.userId, entry, link, target);
      return mapAnswerTaskIds(answer, (id) => taskIds.wrap(token.userId, entry.slug, id));
    } catch (error) {
      return unavailable(error, message, token.userId, entry, versionHeader);
    }
  }

  /** An upstream that could not be reached for a request: its link dropped, the failure answered. */
  function unavailable(
    error: unknown,
    message: RpcMessage,
    userId: string,
    entry: CatalogEntry,
    versionHeader: string | null,
  ): PlainAnswer {
    const failure = asUnavailable(error, entry);
    deps.links.drop(userId, entry.slug);
    deps.health.failed(entry.slug, failure.message);
    return plainJson(200, failureAnswers([message], failure.message, failure.httpStatus, versionHeader)[0]);
  }

  /** A tool call served by the SDK bridge: the JSON-RPC result (a tool error when the upstream fails). */
  async function bridged(
    userId: string,
    view: HubView,
    params: { name: string; arguments?: Record<string, unknown> },
  ) {
    const route = view.toolRoutes.get(params.name);
    if (!route) return toolError(`unknown tool ${params.name}`, 404);
    const started = performance.now();
    try {
      // The credential first: the SDK would report a refused one only as a closed connection.
      const credential = await deps.vault.credential(userId, route.entry);
      if (!credential.ok) return toolError(credential.message, credential.httpStatus);
      const link = await deps.links.get(userId, route.entry);
      // Only the name and arguments cross: the caller's `_meta` belongs to its own era and session.
      const result = await link.client.callTool({
        name: route.name,
        ...(params.arguments ? { arguments: params.arguments } : {}),
      });
      deps.health.called(route.entry.slug, performance.now() - started);
      return result;
    } catch (error) {
      const failure = asUnavailable(error, route.entry);
      deps.health.failed(route.entry.slug, failure.message);
      return toolError(failure.message, failure.httpStatus);
    }
  }

  async function serve(request: PlainRequest, token: VerifiedToken): Promise<PlainAnswer> {
    // A 2025-era client's notification stream, or its session's end (stepup-wire.ts).
    const session = await deps.stepUps.sessionRequest(request, token);
    if (session) return session;
    const messages = request.method === 'POST' ? parseMessages(request.body ?? '') : undefined;
    if (messages && request.facts) request.facts.mcp = mcpFactsOf(deps.path, messages);
    const only = messages?.length === 1 ? messages[0] : undefined;
    if (only && isRequest(only) && only.method === 'tools/call' && headersAgree(request, only))
      return call(request, token, only);
    if (only && isRequest(only) && only.method === 'prompts/get' && headersAgree(request, only))
      return getPrompt(request, token, only);
    if (
      only &&
      isRequest(only) &&
      TASK_METHODS.has(only.method) &&
      isModernWire(only, request.header('mcp-protocol-version') ?? null)
    )
      return task(request, token, only);
    if (only && isRequest(only) && only.method === 'initialize')
      return deps.stepUps.initialized(await sdk(request, token), request, token, only);
    // The most frequent list of 2025-era clients, answered from the view without the SDK's per-request
    // server (most of a list's cost); 2026-07-28 requests, whose envelope the SDK validates, go there.
    if (
      only &&
      isRequest(only) &&
      only.method === 'tools/list' &&
      !isModernWire(only, request.header('mcp-protocol-version') ?? null)
    )
      return listTools(token, only);
    // Everything else, and a call whose routing headers contradict its body (the SDK refuses it, -32020).
    return sdk(request, token);
  }

  async function call(
    request: PlainRequest,
    token: VerifiedToken,
    asked: RpcMessage & { id: JsonRpcId },
  ): Promise<PlainAnswer> {
    const name = (asked.params as { name?: unknown } | undefined)?.name;
    // What the client declared, read only when a step-up is asked for (not on every call).
    const caller = () => deps.stepUps.callerOf(request, token, asked);
    // The retry of a call that asked for a step-up (MRTR): answered here, or served as a plain call.
    const resumed = await deps.stepUps.resume(request, asked, token);
    if ('answer' in resumed) return resumed.answer;
    const { message } = resumed;
    const view = await deps.views.view(token.userId);
    const route = typeof name === 'string' ? view.toolRoutes.get(name) : undefined;
    if (resumed.connected && (!route || route.connect))
      return deps.stepUps.connected(
        message.id,
        view,
        resumed.connected,
        isModernWire(message, request.header('mcp-protocol-version') ?? null),
      );
    if (!route) return sdk(request, token);
    const { entry } = route;
    if (route.connect) return deps.stepUps.askToConnect(message.id, entry, String(name), await caller());
    await deps.listening(token.userId);
    const started = performance.now();
    let answer: PlainAnswer;
    try {
      let link = await deps.links.get(token.userId, entry);
      const modernClient = isModernWire(message, request.header('mcp-protocol-version') ?? null);
      // Forwarded message for message unless the caller is modern and the upstream speaks only 2025.
      if (!modernClient || link.era === 'modern') {
        const target = { key: 'name', value: route.name } as const;
        ({ answer, link } = await forwarder.send(request, message, token.userId, entry, link, target));
        // A task the upstream made is known to the client by the hub's id (tasks.ts).
        if (modernClient && declaresTasks(message))
          answer = await mapAnswerTaskIds(answer, (id) => taskIds.wrap(token.userId, entry.slug, id));
        // A modern-only upstream refuses a 2025 request: bridged instead.
        if (answer.status === 400 && !modernClient && link.era === 'modern') {
          const result = withoutEra(await bridged(token.userId, view, message.params as { name: string }));
          answer = plainJson(200, { jsonrpc: '2.0', id: message.id, result });
        }
      } else {
        // Across eras: the SDK bridges, and the result takes the caller's era's shape.
        const result = withoutEra(await bridged(token.userId, view, message.params as { name: string }));
        answer = plainJson(200, {
          jsonrpc: '2.0',
          id: message.id,
          result: { resultType: 'complete', ...result },
        });
      }
    } catch (error) {
      answer = unavailable(
        error,
        message,
        token.userId,
        entry,
        request.header('mcp-protocol-version') ?? null,
      );
    }
    const ms = performance.now() - started;
    answer = await deps.stepUps.afterCall(answer, message.id, entry, String(name), caller);
    const outcome = answerOutcome(answer);
    if (request.facts) request.facts.outcome = outcome;
    deps.health.called(entry.slug, ms);
    // One event per call: who, which client, which upstream and tool, how it went — never arguments or
    // results. Not awaited: the answer does not wait for the audit write (which never throws).
    void deps.audit.record({
      event: 'hub.tool_called',
      userId: token.userId,
      clientId: token.clientId,
      resource: entry.slug,
      details: { tool: route.name, outcome, ms: Math.round(ms) },
    });
    return answer;
  }

  async function listTools(
    token: VerifiedToken,
    message: RpcMessage & { id: JsonRpcId },
  ): Promise<PlainAnswer> {
    const view = await deps.views.view(token.userId);
    const cursor = (message.params as { cursor?: unknown } | undefined)?.cursor;
    try {
      const { items, nextCursor } = page(
        view.tools,
        'tools',
        typeof cursor === 'string' ? cursor : undefined,
      );
      const result = { tools: items, ...(nextCursor ? { nextCursor } : {}), ...skippedMeta(view) };
      return plainJson(200, { jsonrpc: '2.0', id: message.id, result });
    } catch {
      return plainJson(200, {
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32602, message: 'invalid cursor' },
      });
    }
  }

  async function sdk(request: PlainRequest, token: VerifiedToken): Promise<PlainAnswer> {
    const headers = new Headers();
    // The session id is the hub's own (legacy-session.ts), not the stateless SDK handler's.
    for (const [name, value] of request.headers())
      if (name !== 'authorization' && name !== 'cookie' && name !== 'mcp-session-id')
        headers.set(name, value);
    const response = await deps.protocol.fetch(
      new Request(`http://hub.invalid${request.path}`, {
        method: request.method,
        headers,
        ...(request.body !== undefined && request.method === 'POST' ? { body: request.body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      }),
      token.userId,
      token.clientId,
      [...token.scopes],
    );
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      out[name] = value;
    });
    return { status: response.status, headers: out, body: response.body };
  }

  return { serve, bridged };
}

/** MCP 2026-07-28 routing headers, when sent, must name the body's method and tool. */
function headersAgree(request: PlainRequest, message: RpcMessage): boolean {
  const method = request.header('mcp-method');
  const name = request.header('mcp-name');
  const tool = (message.params as { name?: unknown } | undefined)?.name;
  return (method === undefined || method === message.method) && (name === undefined || name === tool);
}

const withoutEra = (result: unknown) => {
  const { resultType: _era, ...rest } = result as Record<string, unknown>;
  return rest;
};

function toolError(message: string, httpStatus: number) {
  return { isError: true, content: [{ type: 'text', text: message }], structuredContent: { httpStatus } };
}
