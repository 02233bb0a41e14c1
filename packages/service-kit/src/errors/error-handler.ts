import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody, ErrorCode } from '@ticketing/contracts';
import type { Logger } from 'pino';
import { AppError } from './app-error';
import { currentCorrelationId } from '../logger/request-context';
import { isDatabaseConnectionFailure } from '../data-access/connection-failure';

/** body-parser's error `type`s, mapped to our codes so that bad input is a 4xx, never a 5xx. */
const BODY_PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  'entity.parse.failed': { code: 'VALIDATION.MALFORMED_JSON', message: 'Request body is not valid JSON' },
  'entity.too.large': { code: 'VALIDATION.PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  'encoding.unsupported': { code: 'VALIDATION.UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content encoding' },
  'charset.unsupported': { code: 'VALIDATION.UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported charset' },
  'request.aborted': { code: 'VALIDATION.INVALID_BODY', message: 'Request body was aborted' },
  'request.size.invalid': { code: 'VALIDATION.INVALID_BODY', message: 'Request body size does not match Content-Length' },
};

/** Turns anything thrown into an AppError; unknown errors become COMMON.INTERNAL (500) with no detail leaked. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof type === 'string' && BODY_PARSER_ERRORS[type]) {
    const known = BODY_PARSER_ERRORS[type];
    return new AppError(known.code, known.message, { cause: error });
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Any other client error raised by Express or its parsers (e.g. a malformed URI).
    return new AppError('VALIDATION.INVALID_PARAMS', 'Malformed request', { httpStatus: status, cause: error });
  }
  if (isDatabaseConnectionFailure(error)) {
    // A lost or refused database connection (a failover, a terminated session, a full server) is an
    // outage the client can wait out, not a bug: 503 and when to retry. The transaction rolled back or
    // committed as a whole; payments replay their outcome by Idempotency-Key.
    return new AppError('COMMON.UNAVAILABLE', 'A dependency is unavailable; retry shortly', { cause: error, headers: { 'Retry-After': '1' } });
  }
  return new AppError('COMMON.INTERNAL', 'Internal error', { cause: error });
}

/** Logs a failed request (5xx as errors, the rest at debug) and returns the answer it gets. */
export function errorAnswer(error: unknown, logger: Logger): { status: number; headers: Readonly<Record<string, string>>; body: ErrorBody } {
  const appError = toAppError(error);
  if (appError.httpStatus >= 500) logger.error({ err: error, code: appError.code }, 'request failed');
  else logger.debug({ code: appError.code, message: appError.message }, 'request rejected');
  return {
    status: appError.httpStatus,
    headers: appError.headers,
    body: { code: appError.code, message: appError.message, correlationId: currentCorrelationId() ?? '' },
  };
}

/** The last middleware: maps every error to `{ code, message, correlationId }`, never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const answer = errorAnswer(error, logger);
    res.set(answer.headers);
    res.status(answer.status).json(answer.body);
  };
}

/** For routes nobody registered: a 404 in the same error shape. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('COMMON.NOT_FOUND', `No route for ${req.method} ${req.path}`));
};
