import { randomId } from '../crypto';
import type { AuditEvent, AuditEventName, AuditStore } from './audit-store';
import type { Logger } from './logger';

export interface AuditInput {
  event: AuditEventName;
  userId?: string | null;
  clientId?: string | null;
  resource?: string | null;
  ip?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  /** Stores the event and writes one JSON log line. Never throws: a failed write is logged as an error. */
  record(input: AuditInput): Promise<void>;
  /** Writes the batched events now (at shutdown, and for tests). */
  flush(): Promise<void>;
}

/**
 * Events written in batches: one per tool call, the hot path's only write. Stored within BATCH_MS (or
 * at BATCH_MAX), in one statement; every other event is written at once.
 */
const BATCHED: ReadonlySet<AuditEventName> = new Set(['tool.called', 'hub.tool_called']);
const BATCH_MS = 250;
const BATCH_MAX = 200;

/** Ids sort by time (fixed-width base-36 milliseconds) so keyset pages and exports follow the clock. */
export function auditEventId(at: number): string {
  return `${at.toString(36).padStart(9, '0')}${randomId(16)}`;
}

export function createAuditLog(deps: {
  store: AuditStore;
  logger: Logger;
  now: () => number;
  /** told of each event's name (the metrics count them) */
  onEvent?: (name: AuditEventName) => void;
}): AuditLog {
  let batch: AuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const events = batch;
    batch = [];
    if (events.length === 0) return;
    try {
      await deps.store.appendMany(events);
    } catch (error) {
      deps.logger.error({ err: error, auditEvents: events.length }, 'audit events could not be stored');
    }
  };
  return {
    flush,
    async record(input) {
      const at = deps.now();
      deps.onEvent?.(input.event);
      const event: AuditEvent = {
        id: auditEventId(at),
        at,
        event: input.event,
        userId: input.userId ?? null,
        clientId: input.clientId ?? null,
        resource: input.resource ?? null,
        ip: input.ip ?? null,
        reason: input.reason ?? null,
        details: input.details ?? {},
      };
      // The log line leaves the IP out (PII stays off logs by default); the table keeps it for admins.
      const { ip: _ip, details, ...line } = event;
      deps.logger.info({ audit: { ...line, ...details } }, `audit ${event.event}`);
      if (BATCHED.has(event.event)) {
        batch.push(event);
        if (batch.length >= BATCH_MAX) await flush();
        else if (!timer) {
          timer = setTimeout(() => void flush(), BATCH_MS);
          timer.unref();
        }
        return;
      }
      try {
        await deps.store.append(event);
      } catch (error) {
        deps.logger.error({ err: error, auditEvent: event.event }, 'audit event could not be stored');
      }
    },
  };
}
