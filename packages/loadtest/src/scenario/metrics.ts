/**
 * The custom metrics the scenario emits (Artillery counters and histograms), by step outcome. The
 * report reads them back from Artillery's JSON output under these names.
 */
export const Metric = {
  tokenIssued: 'flow.token.issued',
  activated: 'flow.token.activated',
  queueWaitMs: 'flow.queue_wait_ms',
  charged: 'flow.charge.ok',
  held: 'flow.hold.held',
  heldFirstTry: 'flow.hold.held_first_try',
  collisionFirstTry: 'flow.hold.collision_first_try',
  collisionRetry: 'flow.hold.collision_retry',
  soldOutSchedule: 'flow.hold.sold_out_schedule',
  gaveUpOnSeats: 'flow.hold.gave_up',
  holdAttempts: 'flow.hold.attempts',
  leftWithoutSeat: 'flow.left_without_seat',
  paid: 'flow.pay.completed',
  /** A 503 (the payment is being settled) asked again with the same Idempotency-Key after Retry-After. */
  payRetried: 'flow.pay.retried_after_503',
  journeyMs: 'flow.journey_ms',
  /** Long-polls of waiting users (`GET /queue/tokens/me?wait=`), each on the user's own connection, outside Artillery's pool. */
  waitRequests: 'flow.wait.requests',
  waitMs: 'flow.wait.response_time',
  /** `flow.wait.reconnected.<code>`: a long-poll that failed in transport (reset, timeout) or got a 503, asked again. */
  waitReconnected: 'flow.wait.reconnected',
  /** `flow.error.<step>.<status>.<code>`: an answer that ended a journey early. */
  errorPrefix: 'flow.error.',
} as const;

/** The request names of the scenario, in flow order (per-step latency in the report). */
export const STEPS = ['token', 'charge', 'concerts', 'schedules', 'seats', 'hold', 'pay', 'leave'] as const;
