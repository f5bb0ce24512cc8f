/** Audit events as stored. Who, what, which client and resource, when, from where; never a credential. */
export type AuditEventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'consent.granted'
  | 'consent.denied'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.revoked'
  | 'grant.revoked'
  | 'replay.detected'
  | 'drift.revoked'
  | 'admin.client.added'
  | 'admin.client.removed'
  | 'admin.user.revoked'
  | 'admin.user.blocked'
  | 'admin.user.unblocked'
  | 'admin.client.blocked'
  | 'admin.client.unblocked'
  | 'admin.client.deleted'
  | 'pat.created'
  | 'pat.revoked'
  | 'pat.revoke_refused'
  | 'service.used'
  | 'client.refused'
  | 'hub.connected'
  | 'hub.disconnected'
  | 'hub.refresh_failed'
  | 'hub.connection_broken'
  | 'hub.catalog.created'
  | 'hub.catalog.updated'
  | 'hub.catalog.deleted'
  | 'hub.tool_called'
  | 'tool.called'
  | 'stepup.requested'
  | 'stepup.completed'
  | 'stepup.abandoned'
  | 'stepup.refused';

export const AUDIT_EVENT_NAMES: readonly AuditEventName[] = [
  'login.succeeded',
  'login.failed',
  'consent.granted',
  'consent.denied',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'grant.revoked',
  'replay.detected',
  'drift.revoked',
  'admin.client.added',
  'admin.client.removed',
  'admin.user.revoked',
  'admin.user.blocked',
  'admin.user.unblocked',
  'admin.client.blocked',
  'admin.client.unblocked',
  'admin.client.deleted',
  'pat.created',
  'pat.revoked',
  'pat.revoke_refused',
  'service.used',
  'client.refused',
  'hub.connected',
  'hub.disconnected',
  'hub.refresh_failed',
  'hub.connection_broken',
  'hub.catalog.created',
  'hub.catalog.updated',
  'hub.catalog.deleted',
  'hub.tool_called',
  'tool.called',
  'stepup.requested',
  'stepup.completed',
  'stepup.abandoned',
  'stepup.refused',
];

/** The events of a tool call, on an endpoint and on the hub (the audit page's "tool calls" view). */
export const TOOL_CALL_EVENTS: readonly AuditEventName[] = ['tool.called', 'hub.tool_called'];

export interface AuditEvent {
  id: string;
  at: number;
  event: AuditEventName;
  userId: string | null;
  clientId: string | null;
  resource: string | null;
  ip: string | null;
  /** a short reason code (login.failed, drift.revoked, replay.detected) or text (client.refused) */
  reason: string | null;
  /** small, credential-free context (scopes, idp id, grant type) */
  details: Record<string, unknown>;
}

export interface AuditFilter {
  /** any of these users (one person may have an account at several IdPs) */
  userIds?: string[];
  clientId?: string;
  /** any of these events */
  events?: readonly AuditEventName[];
  since?: number;
  until?: number;
  /** keyset pagination: events older than this id */
  before?: string;
  limit: number;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /** Several events in one statement (the batched tool-call events). */
  appendMany(events: readonly AuditEvent[]): Promise<void>;
  /** Newest first. */
  query(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Oldest first from `at` (and after the id `after`, to page), for export. */
  since(at: number, limit: number, after?: string): Promise<AuditEvent[]>;
}
