import type { PlainAnswer, PlainRequest } from '../../http/plain';
import { plainJson } from '../../http/plain';
import type { VerifiedToken } from '../../resource/verify';
import { askForStepUp, refusalIn, type StepUpCaller, type StepUpDeps } from '../../stepup/ask';
import { resumeStepUp } from '../../stepup/resume';
import { isModernWire, type JsonRpcId, type RpcMessage } from '../json-rpc';
import type { CatalogEntry } from './catalog';
import { declaresUrlElicitation, type LegacySessions, type LegacyStreams } from './legacy-session';
import type { HubView } from './view';

export interface HubStepUpDeps extends StepUpDeps {
  legacySessions: LegacySessions;
  legacyStreams: LegacyStreams;
  /** how long a 2026-07-28 step-up retry waits for the user */
  stepUpWaitMs: number;
  now(): number;
}

/**
 * The hub's side of step-up on the wire: what a caller may be sent (URL elicitation declared, on either
 * era), the retry of a call that asked (MRTR), the ask itself (connect tool or upstream refusal), and the
 * 2025-era session that lets a stateless hub remember the declaration and notify the client when done.
 */
export function createHubStepUps(deps: HubStepUpDeps) {
  const versionOf = (request: PlainRequest) => request.header('mcp-protocol-version') ?? null;

  return {
    /** What the caller's client declared it can be sent, on either wire. */
    async callerOf(request: PlainRequest, token: VerifiedToken, message: RpcMessage): Promise<StepUpCaller> {
      const modern = isModernWire(message, versionOf(request));
      if (modern) {
        const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
        const capabilities = meta?.['io.modelcontextprotocol/clientCapabilities'];
        return { token, modern, urlElicitation: declaresUrlElicitation(capabilities) };
      }
      const session = await deps.legacySessions.read(request.header('mcp-session-id'), token);
      return {
        token,
        modern,
        urlElicitation: declaresUrlElicitation(session?.capabilities),
        legacySession: session?.id,
      };
    },

    /**
     * A call that may be the retry of one answered with a step-up: an answer (refused, declined, still
     * waiting), or the message to serve (its retry fields gone) and, for a finished connect, the entry's slug.
     */
    async resume(
      request: PlainRequest,
      message: RpcMessage & { id: JsonRpcId },
      token: VerifiedToken,
    ): Promise<{ answer: PlainAnswer } | { message: RpcMessage & { id: JsonRpcId }; connected?: string }> {
      const params = (message.params && typeof message.params === 'object' ? message.params : {}) as Record<
        string,
        unknown
      >;
      if (!('requestState' in params || 'inputResponses' in params)) return { message };
      const resumed = await resumeStepUp(
        message.id,
        params,
        { token, modern: isModernWire(message, versionOf(request)), signal: request.signal },
        { ...deps, waitMs: deps.stepUpWaitMs, pollMs: 250 },
      );
      if (resumed.kind === 'answer') return { answer: resumed.answer };
      if (resumed.kind === 'not-ours') return { message };
      return {
        message: { ...message, params: resumed.params },
        ...(resumed.session.kind === 'connect' ? { connected: resumed.session.slug } : {}),
      };
    },

    /** A connect tool was called: ask the user to connect its server. */
    askToConnect(id: JsonRpcId, entry: CatalogEntry, tool: string, caller: StepUpCaller) {
      const need = {
        kind: 'connect' as const,
        httpStatus: 401 as const,
        reason: `${entry.name} is not connected.`,
        wanted: [],
      };
      return askForStepUp(id, { entry, tool }, need, caller, deps);
    },

    /** The upstream's answer, or — when it refused for the user's connection — the ask that can cure it. */
    async afterCall(
      answer: PlainAnswer,
      id: JsonRpcId,
      entry: CatalogEntry,
      tool: string,
      caller: () => Promise<StepUpCaller>,
    ): Promise<PlainAnswer> {
      const refusal = entry.auth.type === 'oauth' ? refusalIn(answer) : undefined;
      if (!refusal) return answer;
      const ask = await askForStepUp(id, { entry, tool }, refusal.need, await caller(), deps, refusal.result);
      // The upstream's other headers kept; the body is now one JSON answer.
      return { ...ask, headers: { ...answer.headers, ...ask.headers } };
    },

    /** The answer to a connect tool once the user connected: what is there now. */
    connected(id: JsonRpcId, view: HubView, slug: string, modern: boolean): PlainAnswer {
      const names = [...view.toolRoutes]
        .filter(([, route]) => route.entry.slug === slug && !route.connect)
        .map(([shown]) => shown);
      const text = `Connected. ${names.length} tools are listed now${names.length ? `: ${names.join(', ')}` : ''}.`;
      return plainJson(200, {
        jsonrpc: '2.0',
        id,
        result: { ...(modern ? { resultType: 'complete' } : {}), content: [{ type: 'text', text }] },
      });
    },

    /**
     * A 2025-era handshake's answer gets a sealed session id recording what the client declared (see
     * legacy-session.ts), so later calls know whether URL elicitation may be sent.
     */
    async initialized(answer: PlainAnswer, request: PlainRequest, token: VerifiedToken, message: RpcMessage) {
      if (answer.status !== 200 || isModernWire(message, versionOf(request))) return answer;
      const capabilities = (message.params as { capabilities?: unknown } | undefined)?.capabilities;
      answer.headers['mcp-session-id'] = await deps.legacySessions.issue(
        token.userId,
        token.clientId,
        capabilities && typeof capabilities === 'object' ? (capabilities as Record<string, unknown>) : {},
      );
      return answer;
    },

    /**
     * GET / DELETE with the hub's session id: its notification stream; a DELETE is refused with 405, which
     * the transport allows (the session is the client's own sealed declaration: nothing to end, and it never
     * turns into a 404). Undefined for anything else.
     */
    async sessionRequest(request: PlainRequest, token: VerifiedToken): Promise<PlainAnswer | undefined> {
      if (request.method !== 'GET' && request.method !== 'DELETE') return undefined;
      const session = await deps.legacySessions.read(request.header('mcp-session-id'), token);
      if (!session) return undefined;
      if (request.method === 'DELETE') return { status: 405, headers: { allow: 'GET, POST' }, body: null };
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
        body: deps.legacyStreams.open(session),
      };
    },
  };
}

export type HubStepUps = ReturnType<typeof createHubStepUps>;
