import { randomBytes } from 'node:crypto';

/*
 * The queue token and the shapes every part of the gateway speaks about it (the Redis store, the
 * Postgres fallback, the routes). Plain data only: no Redis or Express types cross this line.
 */

/**
 * Where a live token stands: in the pre-queue of a line not on sale yet (a place is drawn at the
 * opening), in line, or holding one of the limited active slots.
 */
export type QueueTokenStatus = 'PRE_QUEUE' | 'WAITING' | 'ACTIVE';

/**
 * Every state a token passes through, as recorded in the change stream and the fallback table (which
 * knows a pre-queue token as WAITING).
 */
export type TokenChangeStatus = Exclude<QueueTokenStatus, 'PRE_QUEUE'> | 'EXPIRED';

/** 32 random bytes: 256 bits, far past the 128 bits that make guessing a live token hopeless. */
const TOKEN_BYTES = 32;
/**
 * Random bytes are drawn from the OS 128 tokens at a time (as `crypto.randomUUID` does for UUIDs): one
 * `getrandom` call per token was a measurable share of an issue request's CPU in the benchmark.
 */
const POOL_TOKENS = 128;
let pool = Buffer.alloc(0);
let offset = 0;
/**
 * base64url of 32 bytes, unpadded: exactly 43 characters of `[A-Za-z0-9_-]`; a concert line's token has
 * the concert's id and a dot in front (domain/queue-line.ts).
 */
const TOKEN_FORMAT = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\.)?[A-Za-z0-9_-]{43}$/;

/**
 * A new unguessable token. It carries no meaning of its own: the user it belongs to is recorded next to
 * it in Redis, so a token cannot be forged or re-bound to another user by editing it.
 */
export function generateQueueToken(linePrefix = ''): string {
  if (offset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  // Never hand out the same bytes twice, even if the pool object is inspected later.
  pool.fill(0, offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return linePrefix + token;
}

/** True when `value` could be a token we issued; lets the routes refuse garbage without a Redis call. */
export function isWellFormedQueueToken(value: string | undefined): value is string {
  return value !== undefined && TOKEN_FORMAT.test(value);
}

/** A live token as the queue sees it right now. Times are epoch milliseconds. */
export interface TokenView {
  token: string;
  userId: string;
  status: QueueTokenStatus;
  /** 1-based place among waiting users; 0 once active, and in the pre-queue (no place until the opening). */
  position: number;
  issuedAt: number;
  /** A PRE_QUEUE token's on-sale time. */
  opensAt?: number;
  activatedAt?: number;
  /** When the active slot lapses (active tokens only). */
  expiresAt?: number;
  /** Measured admissions per second at the time of the answer, when the source knows it (Redis does, the fallback may not). */
  admissionRatePerSecond?: number;
  /**
   * Admissions so far in this queue at the time of the answer (Redis only): every later admission comes
   * from ahead of a waiting token, so a pushed position is this answer's minus admissions since.
   */
  admittedBefore?: number;
}

/** The answer to "put me in line": the user's one token, new or the one they already hold. */
export interface IssuedToken {
  token: string;
  /** False when the user already held a live token and got it back. */
  created: boolean;
  status: QueueTokenStatus;
  position: number;
  issuedAt: number;
  expiresAt?: number;
  /** A PRE_QUEUE token's on-sale time. */
  opensAt?: number;
  admissionRatePerSecond: number;
}

/** How a lookup may treat a waiting token: `touch` counts the call as the user still being there. */
export interface LookupOptions {
  touch: boolean;
}

/** The lookup the routes depend on; the lead injects the breaker-wrapped one (Redis, then Postgres). */
export type TokenLookup = (token: string, now: number, options: LookupOptions) => Promise<TokenView | undefined>;
