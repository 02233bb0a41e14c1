import { z } from 'zod';
import { IsoDateTime, NonNegativeInt, PositiveInt, UserId, Uuid } from '../primitives';

/*
 * Queue-gateway routes: POST /queue/tokens, GET|DELETE /queue/tokens/me, GET /queue/stats.
 * Request objects are strict (unknown keys → 400): API.md asks for unknown fields to be rejected, and a
 * misspelt key silently ignored is worse than a clear 400.
 */

/**
 * A queue token is in the pre-queue of a line not on sale yet (its place is drawn at random at the
 * opening), still in line, or admitted (holding one of the limited active slots).
 */
export const QueueTokenStatus = z.enum(['PRE_QUEUE', 'WAITING', 'ACTIVE']);
export type QueueTokenStatus = z.infer<typeof QueueTokenStatus>;

/** The opaque token the gateway hands out; its format is the gateway's business, only its size is bounded. */
export const QueueToken = z.string().min(1).max(256);

/**
 * `POST /queue/tokens` body. With `concertId` the user joins that concert's own line (one place per user
 * per line); without it the site-wide line.
 */
export const IssueTokenRequest = z.strictObject({ userId: UserId, concertId: Uuid.optional() });
export type IssueTokenRequest = z.infer<typeof IssueTokenRequest>;

/**
 * `POST /queue/tokens` body when the user comes from a verified JWT (AUTH_MODE=jwt): `userId` may be
 * left out (the JWT's subject is the user); when present the gateway requires it to equal the subject.
 */
export const AuthenticatedIssueTokenRequest = IssueTokenRequest.partial();
export type AuthenticatedIssueTokenRequest = z.infer<typeof AuthenticatedIssueTokenRequest>;

/**
 * `position` is 1-based among waiting users and 0 once active (API.md), and 0 in the pre-queue, which
 * comes with `opensAt` (its place is drawn then). Enforcing that pairing here lets contract tests catch a
 * gateway answering with a status and a position from different snapshots.
 */
function positionMatchesStatus(value: { status: QueueTokenStatus; position: number; opensAt?: string | undefined }): boolean {
  if (value.status === 'PRE_QUEUE') return value.position === 0 && value.opensAt !== undefined;
  return (value.status === 'ACTIVE' ? value.position === 0 : value.position >= 1) && value.opensAt === undefined;
}
const POSITION_RULE = {
  error: 'position must be 0 when ACTIVE, 1 or more when WAITING, and 0 with opensAt when PRE_QUEUE',
  path: ['position'],
};

/** `POST /queue/tokens` answer: `201` for a new place, `200` with the same token for a user already in line. */
export const IssueTokenResponse = z
  .strictObject({
    token: QueueToken,
    status: QueueTokenStatus,
    position: NonNegativeInt,
    estimatedWaitSeconds: NonNegativeInt,
    /** PRE_QUEUE only: the line's on-sale time; `estimatedWaitSeconds` counts down to it. */
    opensAt: IsoDateTime.optional(),
  })
  .refine(positionMatchesStatus, POSITION_RULE);
export type IssueTokenResponse = z.infer<typeof IssueTokenResponse>;

/** `GET /queue/tokens/me` answer. `expiresAt` is when the token (or its active slot) lapses, if it does. */
export const TokenStatusResponse = z
  .strictObject({
    status: QueueTokenStatus,
    position: NonNegativeInt,
    estimatedWaitSeconds: NonNegativeInt,
    expiresAt: IsoDateTime.nullable(),
    /** PRE_QUEUE only: the line's on-sale time. */
    opensAt: IsoDateTime.optional(),
  })
  .refine(positionMatchesStatus, POSITION_RULE);
export type TokenStatusResponse = z.infer<typeof TokenStatusResponse>;

/** Longest long-poll a client may ask for (`GET /queue/tokens/me?wait=`), in seconds. */
export const MAX_WAIT_SECONDS = 60;

/** `GET /queue/tokens/me` query: `wait` (1–60 s) turns the status call into a long-poll. */
export const TokenStatusQuery = z.strictObject({
  wait: z.coerce.number().int().min(1).max(MAX_WAIT_SECONDS).optional(),
});
export type TokenStatusQuery = z.infer<typeof TokenStatusQuery>;

/** `GET /queue/tokens/me/events` query: `token` for clients that cannot set a header (the browser's EventSource). */
export const TokenEventsQuery = z.strictObject({ token: QueueToken.optional() });
export type TokenEventsQuery = z.infer<typeof TokenEventsQuery>;

/** The `data` of a `position` event on `GET /queue/tokens/me/events`. */
export const QueuePositionEvent = z.strictObject({
  status: z.literal('WAITING'),
  position: PositiveInt,
  estimatedWaitSeconds: NonNegativeInt,
});
export type QueuePositionEvent = z.infer<typeof QueuePositionEvent>;

/**
 * The `data` of a `prequeue` event: the line is not on sale yet. The stream ends after it, with a
 * `retry:` that brings an EventSource back at the opening, when the token's place is drawn.
 */
export const QueuePreQueueEvent = z.strictObject({ status: z.literal('PRE_QUEUE'), opensAt: IsoDateTime, estimatedWaitSeconds: NonNegativeInt });
export type QueuePreQueueEvent = z.infer<typeof QueuePreQueueEvent>;

/** The `data` of an `admitted` event: the token is ACTIVE until `expiresAt`. */
export const QueueAdmittedEvent = z.strictObject({ status: z.literal('ACTIVE'), expiresAt: IsoDateTime });
export type QueueAdmittedEvent = z.infer<typeof QueueAdmittedEvent>;

/** `GET /queue/stats` query: `concertId` asks for that concert's line alone. */
export const QueueStatsQuery = z.strictObject({ concertId: Uuid.optional() });
export type QueueStatsQuery = z.infer<typeof QueueStatsQuery>;

/** One line's figures in `GET /queue/stats`. */
export const QueueLineStats = z.looseObject({
  waiting: NonNegativeInt,
  active: NonNegativeInt,
  maxActive: PositiveInt,
  /** People in the line's pre-queue (before its on-sale time). */
  preQueue: NonNegativeInt.optional(),
});
export type QueueLineStats = z.infer<typeof QueueLineStats>;

/**
 * `GET /queue/stats` answer; loose because API.md lets the gateway add fields (e.g. breaker state).
 * Without `concertId`: the totals over every line, and `queues`, each line's own figures (the site-wide
 * line without a `concertId`).
 */
export const QueueStatsResponse = QueueLineStats.extend({
  queues: z.array(QueueLineStats.extend({ concertId: Uuid.nullable() })).optional(),
});
export type QueueStatsResponse = z.infer<typeof QueueStatsResponse>;
