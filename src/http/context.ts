import type { Logger } from '../telemetry';

/** The logging methods routes use; bound to the request id. */
export type RequestLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Per-request values set by the outer middleware and read by routes. */
export interface AppEnv {
  Variables: {
    requestId: string;
    clientIp: string;
    log: RequestLog;
  };
}

/**
 * A child logger carrying the request id, created only when something is logged: pino's `child()`
 * costs more than the rest of a health check, so the hot path must not pay it.
 */
export function lazyRequestLog(logger: Logger, requestId: string): RequestLog {
  let child: Logger | undefined;
  const get = () => {
    child ??= logger.child({ requestId });
    return child;
  };
  return {
    debug: (...args: Parameters<Logger['debug']>) => get().debug(...args),
    info: (...args: Parameters<Logger['info']>) => get().info(...args),
    warn: (...args: Parameters<Logger['warn']>) => get().warn(...args),
    error: (...args: Parameters<Logger['error']>) => get().error(...args),
  } as RequestLog;
}
