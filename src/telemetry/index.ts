export { createLogger, createMemoryDestination, type Logger, type LoggerOptions } from './logger';
export { isSensitiveName, REDACTED, scrub, scrubText } from './redact';
