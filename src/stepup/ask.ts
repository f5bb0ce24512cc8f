import type { CatalogEntry } from '../gateway/hub/catalog';
import { type JsonRpcId, toolErrorResponse } from '../gateway/json-rpc';
import { type PlainAnswer, plainJson } from '../http/plain';
import type { VerifiedToken } from '../resource/verify';
import type { AuditLog } from '../telemetry';
import type { RequestStates } from './request-state';
import type { StepUpKind, StepUpSessions } from './sessions';

/** Who is asked, and what their client can be sent. */
export interface StepUpCaller {
  token: VerifiedToken;
  /** the call came on the 2026-07-28 wire */
  modern: boolean;
  /** the client declared URL-mode elicitation (never sent otherwise) */
  urlElicitation: boolean;
  /** the 2025-era session whose notification stream hears the completion */
  legacySession?: string | undefined;
}

/** Why the user must act: no (working) connection, or not enough access. */
export interface StepUpNeed {
  kind: StepUpKind;
  httpStatus: 401 | 403;
  /** the upstream's own words (or the hub's, for a missing connection) */
  reason: string;
  /** scopes the upstream's challenge named */
  wanted: string[];
}

export interface StepUpDeps {
  issuer: string;
  stepUps: StepUpSessions;
  requestStates: RequestStates;
  audit: AuditLog;
}

/** The key of Gatehouse's one input request in an `InputRequiredResult` (MCP 2026-07-28 MRTR). */
export const STEP_UP_INPUT = 'gatehouse_stepup';

/**
 * Asks the user to connect or grant more, in the one way the client can take: a URL elicitation inside an
 * `InputRequiredResult` with a sealed `requestState` (2026-07-28), the -32042 URLElicitationRequiredError
 * (2025-11-25), or — for a client that declared no URL elicitation — a tool error whose text carries the
 * link (and `structuredContent.url`). At most three asks per tool in ten minutes; then a plain error.
 */
export async function askForStepUp(
  id: JsonRpcId,
  call: { entry: CatalogEntry; tool: string },
  need: StepUpNeed,
  caller: StepUpCaller,
  deps: StepUpDeps,
  /** the upstream's tool error this replaces, kept apart from its first text */
  upstream: ToolResult = {},
): Promise<PlainAnswer> {
  const { token } = caller;
  const { entry, tool } = call;
  const toolError = (addition: string, url?: string) => {
    const content = [
      { type: 'text', text: `${need.reason}\n\n${addition}` },
      ...(upstream.content ?? []).slice(1),
    ];
    const base = toolErrorResponse(id, need.reason, need.httpStatus, caller.modern).result;
    const structuredContent = {
      ...base.structuredContent,
      ...upstream.structuredContent,
      ...(url ? { url } : {}),
    };
    return plainJson(200, {
      jsonrpc: '2.0',
      id,
      result: { ...base, ...upstream, content, structuredContent },
    });
  };
  if ((await deps.stepUps.count(token.userId, tool)) > 3)
    return toolError(
      'You were already asked three times for this tool in the last ten minutes: ask an admin for help.',
    );
  const stepUp = await deps.stepUps.create({
    kind: need.kind,
    userId: token.userId,
    clientId: token.clientId,
    slug: entry.slug,
    tool,
    reason: need.reason,
    wanted: need.wanted,
    ...(caller.legacySession ? { legacySession: caller.legacySession } : {}),
  });
  const url = `${deps.issuer.replace(/\/$/, '')}/hub/stepup/${stepUp}`;
  const verb = need.kind === 'connect' ? 'connect' : 'grant the access it needs to';
  const message = `${need.reason} — open the link to ${verb} ${entry.name}.`;
  void deps.audit.record({
    event: 'stepup.requested',
    userId: token.userId,
    clientId: token.clientId,
    resource: entry.slug,
    details: {
      tool,
      httpStatus: need.httpStatus,
      scopes: need.wanted.join(' '),
      via: !caller.urlElicitation ? 'link' : caller.modern ? 'input_required' : '-32042',
    },
  });
  if (caller.urlElicitation && caller.modern) {
    const requestState = await deps.requestStates.issue({
      stepUp,
      userId: token.userId,
      clientId: token.clientId,
      tool,
    });
    return plainJson(200, {
      jsonrpc: '2.0',
      id,
      result: {
        resultType: 'input_required',
        inputRequests: {
          [STEP_UP_INPUT]: { method: 'elicitation/create', params: { mode: 'url', message, url } },
        },
        requestState,
      },
    });
  }
  if (caller.urlElicitation)
    return plainJson(200, {
      jsonrpc: '2.0',
      id,
      error: {
        code: -32042,
        message: `${message} Call the tool again once done.`,
        data: { elicitations: [{ mode: 'url', elicitationId: stepUp, url, message }] },
      },
    });
  return toolError(`To continue, open ${url} to ${verb} ${entry.name}, then call the tool again.`, url);
}

export interface ToolResult {
  isError?: boolean;
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

/**
 * The refusal in an upstream's answer that a step-up can cure: a tool error with `httpStatus` 401 (no or
 * broken connection) or 403 (not enough access; the proxy keeps the challenged scopes as
 * `structuredContent.scope`). Undefined for anything else.
 */
export function refusalIn(answer: PlainAnswer): { result: ToolResult; need: StepUpNeed } | undefined {
  const result = singleResponse(answer)?.result;
  const status = result?.structuredContent?.httpStatus;
  if (!result?.isError || (status !== 401 && status !== 403)) return undefined;
  const scope = result.structuredContent?.scope;
  return {
    result,
    need: {
      kind: status === 401 ? 'connect' : 'scopes',
      httpStatus: status,
      reason: result.content?.[0]?.text ?? `HTTP ${status}`,
      wanted: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    },
  };
}

/**
 * The one JSON-RPC response of a complete answer: a JSON body, or an SSE body already whole (the proxy
 * hands a complete SSE answer on as bytes); undefined for a stream still open or anything else.
 */
function singleResponse(answer: PlainAnswer): { result?: ToolResult } | undefined {
  if (answer.status !== 200) return undefined;
  const body = answer.body;
  const text =
    typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined;
  if (text === undefined) return undefined;
  const candidates = text.trimStart().startsWith('{')
    ? [text]
    : [...text.matchAll(/^data: ?(.*)$/gm)].map((match) => match[1] ?? '');
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(candidate) as { result?: ToolResult };
      if (parsed && typeof parsed === 'object' && 'result' in parsed) return parsed;
    } catch {
      // not JSON: not ours to read
    }
  }
  return undefined;
}
