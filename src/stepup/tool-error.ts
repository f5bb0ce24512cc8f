import type { CatalogEntry } from '../gateway/hub/catalog';
import { type PlainAnswer, plainJson } from '../http/plain';
import type { VerifiedToken } from '../resource/verify';
import type { AuditLog } from '../telemetry';
import type { StepUpSessions } from './sessions';

/**
 * A call the upstream refused for the user's connection (missing or broken: 401; not enough access: 403)
 * gets a link where the user can reconnect or grant more (the step-up page): in the tool error's text,
 * which every client shows, and as `structuredContent.url`. Asked at most three times for one tool in ten
 * minutes, then the error says so instead of looping.
 */
export async function stepUpAnswer(
  answer: PlainAnswer,
  call: { token: VerifiedToken; entry: CatalogEntry; tool: string },
  deps: { issuer: string; stepUps: StepUpSessions; audit: AuditLog },
): Promise<PlainAnswer> {
  const { token, entry, tool } = call;
  const message = singleResponse(answer);
  if (!message) return answer;
  const result = message.result;
  const status = result?.structuredContent?.httpStatus;
  if (!result?.isError || (status !== 401 && status !== 403)) return answer;
  const reason = result.content?.[0]?.text ?? `HTTP ${status}`;
  let addition: string;
  let url: string | undefined;
  if ((await deps.stepUps.count(token.userId, tool)) > 3)
    addition =
      'You were already asked three times for this tool in the last ten minutes: ask an admin for help.';
  else {
    const wanted =
      typeof result.structuredContent?.scope === 'string' ? result.structuredContent.scope.split(' ') : [];
    const id = await deps.stepUps.create({
      userId: token.userId,
      clientId: token.clientId,
      slug: entry.slug,
      tool,
      reason,
      wanted,
    });
    url = `${deps.issuer.replace(/\/$/, '')}/hub/stepup/${id}`;
    addition = `To continue, open ${url} to ${status === 401 ? 'connect' : 'grant the access it needs to'} ${entry.name}, then call the tool again.`;
    void deps.audit.record({
      event: 'stepup.requested',
      userId: token.userId,
      clientId: token.clientId,
      resource: entry.slug,
      details: { tool, httpStatus: status, scopes: wanted.join(' ') },
    });
  }
  const content = [{ type: 'text', text: `${reason}\n\n${addition}` }, ...(result.content ?? []).slice(1)];
  const structuredContent = { ...result.structuredContent, ...(url ? { url } : {}) };
  // Answered as JSON (a whole SSE answer becomes its one response), the upstream's other headers kept.
  const rewritten = plainJson(200, { ...message, result: { ...result, content, structuredContent } });
  return { ...rewritten, headers: { ...answer.headers, ...rewritten.headers } };
}

type ToolResponse = {
  result?: {
    isError?: boolean;
    content?: Array<{ type: string; text?: string }>;
    structuredContent?: Record<string, unknown>;
  };
};

/**
 * The one JSON-RPC response of a complete answer: a JSON body, or an SSE body already whole (the proxy
 * hands a complete SSE answer on as bytes); undefined for a stream still open or anything else.
 */
function singleResponse(answer: PlainAnswer): ToolResponse | undefined {
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
      const parsed = JSON.parse(candidate) as ToolResponse & { id?: unknown };
      if (parsed && typeof parsed === 'object' && 'result' in parsed) return parsed;
    } catch {
      // not JSON: not ours to read
    }
  }
  return undefined;
}
