import express, { type RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/**
 * Deepest nesting of arrays and objects a body may have. Every body of the API is a flat object; the
 * bound exists because JSON.parse is iterative but JSON.stringify and most walkers recurse: a 16 KiB
 * body can nest 8,000 deep, which parses fine and then overflows the stack of whatever serialises or
 * walks it next (the gateway's forwarding answered such a body with a 500; found by the fuzz suite).
 */
export const MAX_JSON_DEPTH = 32;

/** True when `value` nests deeper than `max` levels; iterative, so any depth is safe to check. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * `express.json` (strict, with a size limit) whose failures always name the body. body-parser tags most
 * of its errors with a `type` the error handler maps (malformed JSON, too large, unsupported charset or
 * encoding), but a body that does not inflate with its declared `Content-Encoding` (gzip or deflate
 * over plain bytes) comes through untagged, as zlib's own error with status 400, and was answered as
 * a malformed *path parameter*. Bodies nested deeper than MAX_JSON_DEPTH are refused here too.
 */
export function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: true });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
      if (error && type === undefined && typeof status === 'number' && status >= 400 && status < 500) {
        next(new AppError('VALIDATION.MALFORMED_JSON', 'Request body could not be decoded with its Content-Encoding', { httpStatus: status, cause: error }));
        return;
      }
      if (!error && nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
        next(new AppError('VALIDATION.INVALID_BODY', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`));
        return;
      }
      next(error);
    });
  };
}
