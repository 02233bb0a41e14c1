import { ErrorHttpStatus, type ErrorCode } from '@ticketing/contracts';

/**
 * The one error type services throw on purpose. The string `code` is what crosses process boundaries
 * (HTTP bodies, logs, other services); `instanceof` does not survive a hop, the code does.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly httpStatus: number;
  /** Extra response headers, e.g. Retry-After on a 503 or 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * `retryAfterSeconds` is how domain code says when to try again; the answer carries it as
     * `Retry-After` (the domain names no header). `headers` are for entry points.
     */
    options: { httpStatus?: number; cause?: unknown; headers?: Record<string, string>; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.httpStatus = options.httpStatus ?? ErrorHttpStatus[code];
    this.headers = { ...(options.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(options.retryAfterSeconds) }), ...options.headers };
  }
}

/** A request about another concert than the one whose line admitted the caller's queue token. */
export const wrongQueue = () => new AppError('QUEUE.WRONG_QUEUE', "This queue token was admitted to another concert's line");
