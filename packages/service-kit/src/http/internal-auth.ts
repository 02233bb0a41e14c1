import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpHeaders, UserId, Uuid } from '@ticketing/contracts';
import { AppError, wrongQueue } from '../errors/app-error';
import { currentCorrelationId } from '../logger/request-context';
import type { ApiReply, ApiRequest, ApiRoute } from './api-route';

const INTERNAL_TOKEN = HttpHeaders.InternalToken.toLowerCase();
const USER_ID = HttpHeaders.UserId.toLowerCase();
const QUEUE_CONCERT_ID = HttpHeaders.QueueConcertId.toLowerCase();

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

/** Who called a route behind the internal credential. */
export interface InternalCaller {
  /** The user the gateway verified, from `X-User-Id`, when the caller named one. */
  userId?: string;
  /** The concert whose line admitted the user's queue token, from `X-Queue-Concert-Id` (none: the site-wide line). */
  concertId?: string;
}

/**
 * The internal credential check for booking and payment: the request must present the shared internal
 * credential in `X-Internal-Token` (compared in constant time), otherwise `401 AUTH.INTERNAL_CREDENTIAL_MISSING`.
 * A valid `X-User-Id` (the user the gateway derived from the queue token) names the caller's user; a
 * malformed one is `400 VALIDATION.INVALID_HEADER`, as is a malformed `X-Queue-Concert-Id`. `/health/*` and
 * `/metrics` stay open to probes and scrapers.
 */
export function internalCredential(expectedToken: string): (headers: IncomingHttpHeaders) => InternalCaller {
  // An empty secret would let an empty header through; config already demands ≥ 16 characters.
  if (expectedToken.length === 0) throw new Error('internalCredential needs a non-empty token');
  const expected = digest(expectedToken);
  return (headers) => {
    const presented = headers[INTERNAL_TOKEN];
    if (typeof presented !== 'string' || !timingSafeEqual(digest(presented), expected)) {
      throw new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', 'A valid internal credential is required');
    }
    const userId = headers[USER_ID];
    const concertId = headers[QUEUE_CONCERT_ID];
    if (userId === undefined && concertId === undefined) return {};
    // A repeated header arrives joined with ", " and fails here, instead of naming two users.
    if (userId !== undefined && (typeof userId !== 'string' || !UserId.safeParse(userId).success)) {
      throw new AppError('VALIDATION.INVALID_HEADER', `${HttpHeaders.UserId} is malformed`);
    }
    if (concertId !== undefined && (typeof concertId !== 'string' || !Uuid.safeParse(concertId).success)) {
      throw new AppError('VALIDATION.INVALID_HEADER', `${HttpHeaders.QueueConcertId} is malformed`);
    }
    return { ...(userId !== undefined && { userId }), ...(concertId !== undefined && { concertId: concertId.toLowerCase() }) };
  };
}

/**
 * Refuses a request about `concertId` from a caller admitted through another concert's line
 * (`403 QUEUE.WRONG_QUEUE`); a caller of the site-wide line may reach every concert.
 */
export function requireLineOf(caller: InternalCaller, concertId: string): void {
  if (caller.concertId !== undefined && caller.concertId !== concertId.toLowerCase()) {
    throw wrongQueue();
  }
}

/**
 * Whether a request carries `Authorization: Bearer <expectedToken>` (constant-time compare): the operator
 * credential in front of the public gateway's `/metrics` and `/health/ready` details (Prometheus sends
 * it with `authorization: { credentials: … }`).
 */
export function hasBearer(expectedToken: string): (headers: IncomingHttpHeaders) => boolean {
  if (expectedToken.length === 0) throw new Error('hasBearer needs a non-empty token');
  const expected = digest(`Bearer ${expectedToken}`);
  return (headers) => typeof headers.authorization === 'string' && timingSafeEqual(digest(headers.authorization), expected);
}

/** The answer to a call without the operator credential (`401 AUTH.INTERNAL_CREDENTIAL_MISSING`). */
export const operatorCredentialMissing = () => new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', 'The operator credential is required (Authorization: Bearer)');

/** `hasBearer` as Express middleware, in front of an operator-only route. */
export function requireBearer(expectedToken: string): RequestHandler {
  const isOperator = hasBearer(expectedToken);
  return (req, _res, next) => {
    if (!isOperator(req.headers)) throw operatorCredentialMissing();
    next();
  };
}

/** `internalCredential` as Express middleware, in front of a service's own routes: the user goes to `res.locals.userId`. */
export function requireInternalCredential(expectedToken: string): RequestHandler {
  const check = internalCredential(expectedToken);
  return (req, res, next) => {
    res.locals.userId = check(req.headers).userId;
    next();
  };
}

/**
 * The verified caller's user id, for routes that act on behalf of a user. Throws
 * `401 AUTH.INTERNAL_CREDENTIAL_MISSING` when the caller (authenticated, but without `X-User-Id`) did not
 * say on whose behalf it calls: such a route must never fall back to "any user".
 */
export function callerUserId(caller: InternalCaller): string {
  if (caller.userId === undefined) throw new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', `${HttpHeaders.UserId} is required`);
  return caller.userId;
}

/** A route behind the internal credential: its handler gets the verified caller. */
export interface InternalApiRoute extends Omit<ApiRoute, 'handle'> {
  handle: (request: ApiRequest, caller: InternalCaller) => Promise<ApiReply>;
}

/** ApiRoutes (served by the fast lane) that check the internal credential before anything else. */
export function internalApiRoutes(expectedToken: string, routes: readonly InternalApiRoute[]): ApiRoute[] {
  const check = internalCredential(expectedToken);
  return routes.map((route) => ({ ...route, handle: (request) => route.handle(request, check(request.headers)) }));
}

export interface InternalHeadersInput {
  /** The shared internal credential (INTERNAL_TOKEN). */
  token: string;
  /** The user the call acts for; omitted for service-to-service calls that act for nobody. */
  userId?: string;
  /** The concert whose line admitted the user's queue token (the gateway, for a concert line's token). */
  concertId?: string;
  /** Defaults to the current correlation id, so the callee's logs join the caller's request. */
  requestId?: string;
}

/** The headers a caller (the gateway, or payment calling booking) sends with an internal request. */
export function internalHeaders(input: InternalHeadersInput): Record<string, string> {
  const headers: Record<string, string> = { [HttpHeaders.InternalToken]: input.token };
  if (input.userId !== undefined) headers[HttpHeaders.UserId] = input.userId;
  if (input.concertId !== undefined) headers[HttpHeaders.QueueConcertId] = input.concertId;
  const requestId = input.requestId ?? currentCorrelationId();
  if (requestId !== undefined) headers[HttpHeaders.RequestId] = requestId;
  return headers;
}
