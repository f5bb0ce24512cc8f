export { type AuditInput, type AuditLog, auditEventId, createAuditLog } from './audit';
export {
  AUDIT_EVENT_NAMES,
  type AuditEvent,
  type AuditEventName,
  type AuditFilter,
  type AuditStore,
  TOOL_CALL_EVENTS,
} from './audit-store';
export { createLogger, createMemoryDestination, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type McpFacts, type Metrics, noMetrics, type UpstreamErrorClass } from './metrics';
export { isSensitiveName, REDACTED, scrub, scrubText } from './redact';
export { createTracing, noTracing, type RequestSpan, type Tracing } from './tracing';
