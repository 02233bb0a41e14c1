import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2: a server answers 400 without one). Node can enforce
 * that itself, but then answers with an empty body before Express runs; `listen` turns Node's check
 * off and this middleware does it instead, so the 400 has the platform's error shape and request id.
 */
export const requireHostHeader: RequestHandler = (req, _res, next) => {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined) {
    next(new AppError('VALIDATION.INVALID_HEADER', 'An HTTP/1.1 request needs a Host header'));
    return;
  }
  next();
};
