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
  'headers.cookie',
  'authorization',
  '*.authorization',
  // Settings that are credentials or may carry one, should a config object ever be logged.
  'DATABASE_URL',
  '*.DATABASE_URL',
  'REDIS_URL',
  '*.REDIS_URL',
  'INTERNAL_TOKEN',
  '*.INTERNAL_TOKEN',
  'PAYMENT_INTERNAL_TOKEN',
  '*.PAYMENT_INTERNAL_TOKEN',
  'OPS_TOKEN',
  '*.OPS_TOKEN',
  'AUTH_JWT_SECRET',
  '*.AUTH_JWT_SECRET',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

/** `?token=…` (a credential an EventSource can only send in the URL) → `?token=[redacted]`. */
export function redactQuerySecrets(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** `scheme://user:password@host` → `scheme://user:[redacted]@host`, wherever a URL sits in a text. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\/\/[^\s:/?#@]*):[^\s/?#@]+@/g, '$1:[redacted]@');
}

/**
 * pino's error serializer, with passwords inside URLs removed from the message and the stack: a driver
 * error can quote its connection string (a DATABASE_URL or REDIS_URL with a password in it).
 */
function errorSerializer(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const field of ['message', 'stack']) {
    const value = serialized[field];
    if (typeof value === 'string') serialized[field] = redactUrlCredentials(value);
  }
  return serialized;
}

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
      serializers: { err: errorSerializer },
      mixin: () => {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
    },
    options.destination ?? pino.destination(1),
  );
}
