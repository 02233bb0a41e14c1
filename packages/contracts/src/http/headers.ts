import { z } from 'zod';

/**
 * HTTP header names, spelled once. Node lower-cases incoming names (`req.headers['x-queue-token']`);
 * Express' `req.get()` and `res.set()` are case-insensitive, so these canonical spellings work with both
 * (use `.toLowerCase()` when indexing `req.headers` directly).
 */
export const HttpHeaders = {
  /** Correlation id: echoed when the client sent an acceptable one, generated otherwise; on every response. */
  RequestId: 'X-Request-Id',
  /** The caller's queue token on protected routes. */
  QueueToken: 'X-Queue-Token',
  /** Optional on `POST /payments`: the same key again returns the first answer, charged once. */
  IdempotencyKey: 'Idempotency-Key',
  /** Internal only: the shared service credential the gateway presents to booking and payment. */
  InternalToken: 'X-Internal-Token',
  /** Internal only: the user id the gateway derived from the verified token. Clients never send it. */
  UserId: 'X-User-Id',
  /**
   * Internal only: `true` when the gateway forwards `POST /payments` for a queue token that has ended
   * (the payment itself ended it). Payment then answers only with the first answer of the
   * Idempotency-Key, never starts a new payment.
   */
  ReplayOnly: 'X-Replay-Only',
  /**
   * Internal only: the concert whose line admitted the caller's queue token (absent for the site-wide
   * line). Booking and payment answer `403 QUEUE.WRONG_QUEUE` to a request about another concert.
   */
  QueueConcertId: 'X-Queue-Concert-Id',
  /** Sent with 429 and 503 answers. */
  RetryAfter: 'Retry-After',
  /** `Bearer <jwt>` on `POST /queue/tokens` when the gateway runs with JWT identity (AUTH_MODE=jwt). */
  Authorization: 'Authorization',
  /** Sent with a 401 `AUTH.TOKEN_INVALID` (RFC 6750). */
  WwwAuthenticate: 'WWW-Authenticate',
} as const;

/** One of the header names above. */
export type HttpHeaderName = (typeof HttpHeaders)[keyof typeof HttpHeaders];

/**
 * Headers only the gateway may set. It must drop any client-sent copy before forwarding, otherwise a
 * client could claim to be another user; upstream services trust them only with a valid internal token.
 */
export const INTERNAL_ONLY_HEADERS: readonly HttpHeaderName[] = [HttpHeaders.InternalToken, HttpHeaders.UserId, HttpHeaders.ReplayOnly, HttpHeaders.QueueConcertId];

/**
 * `Idempotency-Key` value: 1–128 visible ASCII characters (0x21–0x7E). Spaces are excluded on purpose:
 * Node joins a repeated header with `", "`, so a doubled key is rejected rather than silently merged,
 * and a UUID, ULID or base64 key always fits.
 */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 visible ASCII characters' });
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;
