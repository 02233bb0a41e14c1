import express, { type RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/**
 * `express.json` (strict, with a size limit) whose failures always name the body. body-parser tags most
 * of its errors with a `type` the error handler maps (malformed JSON, too large, unsupported charset or
 * encoding), but a body that does not inflate with its declared `Content-Encoding` (gzip or deflate
 * over plain bytes) comes through untagged, as zlib's own error with status 400, and was answered as
 * a malformed *path parameter*. Found by the public API fuzz suite.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, strict: true });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
      if (error && type === undefined && typeof status === 'number' && status >= 400 && status < 500) {
        next(new AppError('VALIDATION.MALFORMED_JSON', 'Request body could not be decoded with its Content-Encoding', { httpStatus: status, cause: error }));
        return;
      }
      next(error);
    });
  };
}
