import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HttpHeaders, UserId } from '@ticketing/contracts';
import { AppError } from '../errors/app-error';
import { currentCorrelationId } from '../logger/request-context';

declare global {
  // Express' own extension point for a typed res.locals.
  namespace Express {
    interface Locals {
      /** The user the gateway verified, set by `requireInternalCredential` when `X-User-Id` is present. */
      userId?: string;
    }
  }
}

/**
 * Hashing both sides first gives `timingSafeEqual` two buffers of the same length, so neither the
 * content nor the length of the expected secret leaks through response timing.
 */
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Express middleware for booking and payment: every request must present the shared internal credential
 * in `X-Internal-Token` (compared in constant time), otherwise `401 AUTH.INTERNAL_CREDENTIAL_MISSING`.
 * A valid `X-User-Id` (the user the gateway derived from the queue token) is put in `res.locals.userId`;
 * a malformed one is `400 VALIDATION.INVALID_HEADER`. Mount it in front of a service's own routes only:
 * `/health/*` and `/metrics` stay open to probes and scrapers.
 */
export function requireInternalCredential(expectedToken: string): RequestHandler {
  // An empty secret would let an empty header through; config already demands ≥ 16 characters.
  if (expectedToken.length === 0) throw new Error('requireInternalCredential needs a non-empty token');
  const expected = digest(expectedToken);
  return (req, res, next) => {
    const presented = req.get(HttpHeaders.InternalToken);
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      next(new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', 'A valid internal credential is required'));
      return;
    }
    const userId = req.get(HttpHeaders.UserId);
    if (userId !== undefined) {
      // A repeated header arrives joined with ", " and fails here, instead of naming two users.
      if (!UserId.safeParse(userId).success) {
        next(new AppError('VALIDATION.INVALID_HEADER', `${HttpHeaders.UserId} is malformed`));
        return;
      }
      res.locals.userId = userId;
    }
    next();
  };
}

/**
 * The verified caller's user id, for routes that act on behalf of a user. Throws
 * `401 AUTH.INTERNAL_CREDENTIAL_MISSING` when the caller (authenticated, but without `X-User-Id`) did not
 * say on whose behalf it calls: such a route must never fall back to "any user".
 */
export function callerUserId(res: Response): string {
  const userId = res.locals.userId;
  if (userId === undefined) throw new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', `${HttpHeaders.UserId} is required`);
  return userId;
}

export interface InternalHeadersInput {
  /** The shared internal credential (INTERNAL_TOKEN). */
  token: string;
  /** The user the call acts for; omitted for service-to-service calls that act for nobody. */
  userId?: string;
  /** Defaults to the current correlation id, so the callee's logs join the caller's request. */
  requestId?: string;
}

/** The headers a caller (the gateway, or payment calling booking) sends with an internal request. */
export function internalHeaders(input: InternalHeadersInput): Record<string, string> {
  const headers: Record<string, string> = { [HttpHeaders.InternalToken]: input.token };
  if (input.userId !== undefined) headers[HttpHeaders.UserId] = input.userId;
  const requestId = input.requestId ?? currentCorrelationId();
  if (requestId !== undefined) headers[HttpHeaders.RequestId] = requestId;
  return headers;
}
