import { type JsonRpcId, toolErrorResponse } from '../gateway/json-rpc';
import { type PlainAnswer, plainJson } from '../http/plain';
import type { VerifiedToken } from '../resource/verify';
import { STEP_UP_INPUT, type StepUpDeps } from './ask';
import { isExpired, type StepUpSession } from './sessions';

export type Resumed =
  /** not a retry of a Gatehouse step-up: serve the call as it is */
  | { kind: 'not-ours' }
  /** answered here: refused, declined, expired, or still waiting for the user */
  | { kind: 'answer'; answer: PlainAnswer }
  /** the user finished: make the call (its params without the retry fields) */
  | { kind: 'proceed'; session: StepUpSession; params: Record<string, unknown> };

export interface ResumeDeps extends StepUpDeps {
  now(): number;
  /** how long one retry waits for the user before answering "still waiting" (MCP: it may block) */
  waitMs: number;
  pollMs: number;
}

/**
 * The retry of a call answered with a step-up `InputRequiredResult` (MCP 2026-07-28 MRTR): the echoed
 * `requestState` must be one Gatehouse sealed for this user, client and tool, unused; the client's answer
 * to the URL elicitation says whether the user went (`accept`) or not. Then the retry waits a while for the
 * user to finish on the page; done → the call proceeds with the new access, not yet → another
 * `InputRequiredResult` carrying only a fresh `requestState` (the client retries without asking again).
 */
export async function resumeStepUp(
  id: JsonRpcId,
  params: Record<string, unknown>,
  caller: { token: VerifiedToken; modern: boolean; signal?: AbortSignal | undefined },
  deps: ResumeDeps,
): Promise<Resumed> {
  const { requestState, inputResponses, ...rest } = params;
  const response =
    inputResponses && typeof inputResponses === 'object'
      ? (inputResponses as Record<string, unknown>)[STEP_UP_INPUT]
      : undefined;
  const invalid = (message: string): Resumed => ({
    kind: 'answer',
    answer: plainJson(200, { jsonrpc: '2.0', id, error: { code: -32602, message } }),
  });
  if (typeof requestState !== 'string')
    return response === undefined ? { kind: 'not-ours' } : invalid('inputResponses without requestState');
  const { token } = caller;
  const state = await deps.requestStates.redeem(requestState, {
    userId: token.userId,
    clientId: token.clientId,
    tool: String(rest.name),
  });
  // Not sealed by Gatehouse and no answer to its input request: an upstream's own multi-round trip.
  if (state === 'foreign' && response === undefined) return { kind: 'not-ours' };
  if (state === 'foreign' || state === 'refused')
    return invalid(
      'requestState is not valid: it was altered, belongs to another call, expired or was already used. Call the tool again.',
    );
  const session = await deps.stepUps.get(state.stepUp);
  if (!session) return invalid('requestState names no step-up this Gatehouse knows');
  const toolError = (message: string) => ({
    kind: 'answer' as const,
    answer: plainJson(
      200,
      toolErrorResponse(id, message, session.kind === 'connect' ? 401 : 403, caller.modern),
    ),
  });
  const abandoned = (reason: string) =>
    deps.audit.record({
      event: 'stepup.abandoned',
      userId: token.userId,
      clientId: token.clientId,
      resource: session.slug,
      reason,
      details: { tool: session.tool },
    });
  if (response !== undefined) {
    const action = (response as { action?: unknown } | null)?.action;
    if (action !== 'accept' && action !== 'decline' && action !== 'cancel')
      return invalid(
        `inputResponses.${STEP_UP_INPUT} must be an elicitation result (action accept, decline or cancel)`,
      );
    if (action !== 'accept') {
      await abandoned(action === 'decline' ? 'declined' : 'cancelled');
      return toolError(
        `${session.reason}\n\nYou did not open the link, so nothing changed. Call the tool again to be asked again.`,
      );
    }
  }
  const deadline = deps.now() + deps.waitMs;
  let current = session;
  while (current.completedAt === null && !isExpired(current, deps.now()) && deps.now() < deadline) {
    if (caller.signal?.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs));
    current = (await deps.stepUps.get(state.stepUp)) ?? current;
  }
  if (current.completedAt !== null) return { kind: 'proceed', session: current, params: rest };
  if (isExpired(current, deps.now())) {
    await abandoned('expired');
    return toolError(
      `${session.reason}\n\nThe link expired before it was used: call the tool again for a new one.`,
    );
  }
  // Not done yet: a fresh state (the echoed one is spent), no new question for the user.
  const next = await deps.requestStates.issue(state);
  return {
    kind: 'answer',
    answer: plainJson(200, {
      jsonrpc: '2.0',
      id,
      result: { resultType: 'input_required', requestState: next },
    }),
  };
}
