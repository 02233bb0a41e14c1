import { z } from 'zod';

/**
 * Every error code any service may put in an error body, grouped by area (`<AREA>.<NAME>`).
 *
 * The string value is what crosses process boundaries (HTTP bodies, logs, the gateway relaying an
 * upstream answer), so each value spells out its own group: `ErrorCodes.BOOKING.SEAT_UNAVAILABLE`
 * is `'BOOKING.SEAT_UNAVAILABLE'`. Codes are never renamed or reused once published: clients and
 * load scenarios branch on them.
 */
export const ErrorCodes = {
  VALIDATION: {
    /** The JSON body parsed but does not match the route's schema (types, ranges, unknown keys). */
    INVALID_BODY: 'VALIDATION.INVALID_BODY',
    /** The body is not JSON at all. */
    MALFORMED_JSON: 'VALIDATION.MALFORMED_JSON',
    /** A path parameter is malformed (e.g. not a UUID). */
    INVALID_PARAMS: 'VALIDATION.INVALID_PARAMS',
    /** A query-string parameter is malformed or unknown. */
    INVALID_QUERY: 'VALIDATION.INVALID_QUERY',
    /** A header the route reads is malformed (e.g. an `Idempotency-Key` that is too long). */
    INVALID_HEADER: 'VALIDATION.INVALID_HEADER',
    /** The body exceeds the services' small size limit. */
    PAYLOAD_TOO_LARGE: 'VALIDATION.PAYLOAD_TOO_LARGE',
    /** The body is not `application/json`, or uses an encoding/charset we do not read. */
    UNSUPPORTED_MEDIA_TYPE: 'VALIDATION.UNSUPPORTED_MEDIA_TYPE',
    /** Not valid HTTP/1.1: a broken request line, header or framing (e.g. Content-Length with chunked), refused by the server's parser. */
    MALFORMED_REQUEST: 'VALIDATION.MALFORMED_REQUEST',
    /** The request line and headers together exceed the server's limit (Node's 16 KiB). */
    HEADERS_TOO_LARGE: 'VALIDATION.HEADERS_TOO_LARGE',
    /** The request's headers or body did not arrive within the server's time limits. */
    REQUEST_TIMEOUT: 'VALIDATION.REQUEST_TIMEOUT',
  },
  QUEUE: {
    /** `X-Queue-Token` missing, unknown or expired. */
    TOKEN_INVALID: 'QUEUE.TOKEN_INVALID',
    /** The token is real but still waiting in line. */
    TOKEN_NOT_ACTIVE: 'QUEUE.TOKEN_NOT_ACTIVE',
    /** Neither Redis nor the fallback table can answer: the queue cannot decide, so it refuses. */
    UNAVAILABLE: 'QUEUE.UNAVAILABLE',
    /** The caller sends requests faster than the gateway allows. */
    RATE_LIMITED: 'QUEUE.RATE_LIMITED',
    /** The token was admitted to another concert's line than the concert the request is about. */
    WRONG_QUEUE: 'QUEUE.WRONG_QUEUE',
  },
  BOOKING: {
    CONCERT_NOT_FOUND: 'BOOKING.CONCERT_NOT_FOUND',
    SCHEDULE_NOT_FOUND: 'BOOKING.SCHEDULE_NOT_FOUND',
    SEAT_NOT_FOUND: 'BOOKING.SEAT_NOT_FOUND',
    /** The seat is held or sold by someone else. */
    SEAT_UNAVAILABLE: 'BOOKING.SEAT_UNAVAILABLE',
    /** Unknown reservation, or one that belongs to another user (we never reveal which). */
    RESERVATION_NOT_FOUND: 'BOOKING.RESERVATION_NOT_FOUND',
    /** The 5-minute hold ran out (or the reservation was cancelled) before payment. */
    RESERVATION_EXPIRED: 'BOOKING.RESERVATION_EXPIRED',
    /** The user already holds as many unpaid seats of this schedule as one person may (default 4). */
    HOLD_LIMIT: 'BOOKING.HOLD_LIMIT',
  },
  PAYMENT: {
    INSUFFICIENT_BALANCE: 'PAYMENT.INSUFFICIENT_BALANCE',
    /** The reservation already has a completed payment (under a different or no `Idempotency-Key`). */
    ALREADY_PAID: 'PAYMENT.ALREADY_PAID',
    /** Optimistic-lock retries on the balance row were exhausted; safe for the client to retry. */
    CONCURRENT_UPDATE: 'PAYMENT.CONCURRENT_UPDATE',
    /** The same `Idempotency-Key` was sent with a different request (another reservation or user). */
    IDEMPOTENCY_KEY_REUSED: 'PAYMENT.IDEMPOTENCY_KEY_REUSED',
  },
  AUTH: {
    /** A service-to-service call lacks a valid `X-Internal-Token`. */
    INTERNAL_CREDENTIAL_MISSING: 'AUTH.INTERNAL_CREDENTIAL_MISSING',
    /** The gateway runs with JWT identity and `Authorization: Bearer` is missing, invalid or expired. */
    TOKEN_INVALID: 'AUTH.TOKEN_INVALID',
    /** The body names a user other than the verified JWT's subject: nobody joins the line for someone else. */
    USER_MISMATCH: 'AUTH.USER_MISMATCH',
  },
  COMMON: {
    /** No such route (an unknown *resource* has its own area-specific code). */
    NOT_FOUND: 'COMMON.NOT_FOUND',
    /** Anything unexpected; the message never carries internal detail. */
    INTERNAL: 'COMMON.INTERNAL',
    /** A dependency (database, upstream service) is down; retry later. */
    UNAVAILABLE: 'COMMON.UNAVAILABLE',
    /** The path exists but not with this method. */
    METHOD_NOT_ALLOWED: 'COMMON.METHOD_NOT_ALLOWED',
  },
} as const;

type Groups = typeof ErrorCodes;

/** Any one error code string, e.g. `'BOOKING.SEAT_UNAVAILABLE'`. */
export type ErrorCode = { [G in keyof Groups]: Groups[G][keyof Groups[G]] }[keyof Groups];

/**
 * The HTTP status each code is answered with unless a service has a specific reason to differ.
 * `satisfies Record<ErrorCode, …>` makes adding a code without a status a compile error.
 */
export const ErrorHttpStatus = {
  'VALIDATION.INVALID_BODY': 400,
  'VALIDATION.MALFORMED_JSON': 400,
  'VALIDATION.INVALID_PARAMS': 400,
  'VALIDATION.INVALID_QUERY': 400,
  'VALIDATION.INVALID_HEADER': 400,
  'VALIDATION.PAYLOAD_TOO_LARGE': 413,
  'VALIDATION.UNSUPPORTED_MEDIA_TYPE': 415,
  'VALIDATION.MALFORMED_REQUEST': 400,
  'VALIDATION.HEADERS_TOO_LARGE': 431,
  'VALIDATION.REQUEST_TIMEOUT': 408,
  'QUEUE.TOKEN_INVALID': 401,
  'QUEUE.TOKEN_NOT_ACTIVE': 403,
  'QUEUE.UNAVAILABLE': 503,
  'QUEUE.RATE_LIMITED': 429,
  'QUEUE.WRONG_QUEUE': 403,
  'BOOKING.CONCERT_NOT_FOUND': 404,
  'BOOKING.SCHEDULE_NOT_FOUND': 404,
  'BOOKING.SEAT_NOT_FOUND': 404,
  'BOOKING.SEAT_UNAVAILABLE': 409,
  'BOOKING.RESERVATION_NOT_FOUND': 404,
  'BOOKING.RESERVATION_EXPIRED': 409,
  'BOOKING.HOLD_LIMIT': 409,
  'PAYMENT.INSUFFICIENT_BALANCE': 409,
  'PAYMENT.ALREADY_PAID': 409,
  'PAYMENT.CONCURRENT_UPDATE': 409,
  // 409 rather than the IETF draft's 422: every business conflict in this API is a 409, and clients
  // already treat 409 as "look at the code".
  'PAYMENT.IDEMPOTENCY_KEY_REUSED': 409,
  'AUTH.INTERNAL_CREDENTIAL_MISSING': 401,
  'AUTH.TOKEN_INVALID': 401,
  'AUTH.USER_MISMATCH': 403,
  'COMMON.NOT_FOUND': 404,
  'COMMON.INTERNAL': 500,
  'COMMON.UNAVAILABLE': 503,
  'COMMON.METHOD_NOT_ALLOWED': 405,
} as const satisfies Record<ErrorCode, number>;

/** Every code as a flat list (for schemas, docs and exhaustive tests). */
export const ALL_ERROR_CODES = Object.values(ErrorCodes).flatMap((group) => Object.values(group)) as [
  ErrorCode,
  ...ErrorCode[],
];

/** Narrows an untrusted string (e.g. from an upstream service's body) to a known code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorHttpStatus, value);
}

/** A known error code; unknown codes are rejected so a typo in a service fails its contract tests. */
export const ErrorCodeSchema = z.enum(ALL_ERROR_CODES);

/**
 * The body of every error response. `correlationId` is the request's `X-Request-Id`; it may be empty
 * only when an error escapes before the request id is known.
 */
export const ErrorBody = z.strictObject({
  code: ErrorCodeSchema,
  message: z.string().min(1),
  correlationId: z.string().max(256),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
