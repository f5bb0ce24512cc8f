import { type DestinationStream, type Logger, pino } from 'pino';
import { scrub, scrubText } from './redact';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a memory stream. */
  destination?: DestinationStream;
  /** configured secret values to mask wherever they appear (the service token, the HMAC secret) */
  secrets?: readonly string[];
}

/** Structured JSON logs (pretty in dev), every object scrubbed of credentials before it is written. */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = options.secrets ?? [];
  const transport =
    options.pretty && !options.destination
      ? pino.transport({
          target: 'pino-pretty',
          // Colour only for a terminal: piped into a file or a log collector, escape codes are noise.
          options: {
            colorize: process.stdout.isTTY === true && !process.env.NO_COLOR,
            translateTime: 'SYS:HH:MM:ss',
            singleLine: true,
          },
        })
      : undefined;
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        log: (object) => scrub(object, 0, secrets) as Record<string, unknown>,
      },
      hooks: {
        // Messages are scrubbed as well: a formatted message can carry a header value.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg, secrets) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: { err: (error: unknown) => scrub(error, 0, secrets) },
    },
    options.destination ?? transport ?? pino.destination(1),
  );
}

/** A memory destination for tests: every line written, as text. */
export function createMemoryDestination(): DestinationStream & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
    },
    text: () => lines.join(''),
  };
}
