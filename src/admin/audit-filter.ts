import { AUDIT_EVENT_NAMES, type AuditEventName, TOOL_CALL_EVENTS } from '../telemetry';

/** The event filter's value that shows every tool call (endpoint and hub). */
export const TOOL_CALLS = 'tool-calls';

export interface AuditQueryInput {
  user: string;
  client: string;
  event: string;
  since: string;
  until: string;
  before: string;
}

export type ParsedAuditQuery =
  | {
      ok: true;
      user: { kind: 'none' } | { kind: 'email'; email: string } | { kind: 'id'; id: string };
      clientId?: string;
      events?: readonly AuditEventName[];
      since?: number;
      until?: number;
      before?: string;
    }
  | { ok: false; error: string };

/** `2026-11-23T10:00` (a datetime-local field, read as UTC) or a full ISO timestamp -> epoch ms. */
export function parseTime(text: string): number | undefined {
  if (!text) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? Number.NaN : at;
}

/** Validates the audit page's query. Pure. */
export function parseAuditQuery(input: AuditQueryInput): ParsedAuditQuery {
  const user = input.user.trim();
  const since = parseTime(input.since.trim());
  const until = parseTime(input.until.trim());
  if (Number.isNaN(since) || Number.isNaN(until))
    return { ok: false, error: 'Times must look like 2026-11-23T10:00 (UTC) or an ISO timestamp.' };
  if (input.event && input.event !== TOOL_CALLS && !AUDIT_EVENT_NAMES.includes(input.event as AuditEventName))
    return { ok: false, error: `Unknown event "${input.event.slice(0, 40)}".` };
  if (input.before && !/^[0-9a-z]{9}[\w-]{16,64}$/.test(input.before))
    return { ok: false, error: 'The page link is malformed.' };
  if (user.length > 320 || input.client.length > 2048) return { ok: false, error: 'A filter is too long.' };
  return {
    ok: true,
    user:
      user === ''
        ? { kind: 'none' }
        : user.includes('@')
          ? { kind: 'email', email: user }
          : { kind: 'id', id: user },
    ...(input.client.trim() ? { clientId: input.client.trim() } : {}),
    ...(input.event
      ? { events: input.event === TOOL_CALLS ? TOOL_CALL_EVENTS : [input.event as AuditEventName] }
      : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(input.before ? { before: input.before } : {}),
  };
}
