import pino, { type Logger } from 'pino';
import { currentCorrelationId } from './request-context';

export type { Logger } from 'pino';

/**
 * Credentials that must never reach a log line, wherever they sit in a logged request or object.
 * pino-http logs headers in lower case.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-queue-token"]',
  'req.headers["x-internal-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-queue-token"]',
  'headers["x-internal-token"]',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout (synchronous, so nothing is lost on a crash) by default. Tests pass a stream to read lines back. */
  destination?: pino.DestinationStream;
}

/** The service's root logger: JSON to stdout, service name and the current correlation id on every line. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
    },
    options.destination ?? pino.destination(1),
  );
}
