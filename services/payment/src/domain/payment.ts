import type { ErrorCode, InternalReservation, PaymentCompletedV1, PaymentResponse } from '@ticketing/contracts';
import type { BalanceSnapshot } from './balance';

/**
 * The saga's states (README "Payment saga"). PENDING: money deducted, booking not yet confirmed.
 * COMPLETED and REFUNDED are final. FAILED exists in the schema but no path writes it: a payment that
 * cannot go through either never starts (nothing deducted) or is REFUNDED.
 */
export type PaymentStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REFUNDED';

/**
 * How a payment ended: its receipt, or the failure it was refunded for. Kept with the payment, so a
 * repeated Idempotency-Key gets the same answer (the HTTP status is the error handler's, from the code).
 */
export type PaymentOutcome = { kind: 'completed'; receipt: PaymentResponse } | { kind: 'refunded'; failure: Failure };

/** What every step of the saga needs to know about a payment. */
export interface PaymentRef {
  id: string;
  reservationId: string;
  userId: string;
  amount: number;
  /** The X-Request-Id of the request that started it; travels into the event's Kafka header. */
  correlationId: string | null;
}

export interface PaymentRecord extends PaymentRef {
  status: PaymentStatus;
  idempotencyKey: string | null;
  /** Null while PENDING. */
  outcome: PaymentOutcome | null;
}

export type StartAttempt = { kind: 'started' } | { kind: 'stale' } | { kind: 'duplicate' };

/** A failure answer: the error code and message a refunded payment (and its replays) answer with. */
export interface Failure {
  code: ErrorCode;
  message: string;
}

/**
 * What the payment saga needs from storage. Each method is one Postgres transaction; the two final
 * transitions only act on a PENDING row, so whichever of the request, a replay or recovery gets there
 * first decides, and the others see it was already done.
 */
export interface PaymentStore {
  findById(id: string): Promise<PaymentRecord | undefined>;
  findByKey(userId: string, idempotencyKey: string): Promise<PaymentRecord | undefined>;
  /**
   * One optimistic attempt: inserts the payment PENDING and deducts its amount from a balance still at
   * `seen`, with a PAYMENT ledger row; `duplicate` when the reservation (or the user's key) already has a
   * payment, `stale` when the balance moved. All or nothing.
   */
  start(payment: PaymentRef & { idempotencyKey: string | null }, seen: BalanceSnapshot): Promise<StartAttempt>;
  /** PENDING → COMPLETED with the event's outbox row and the receipt; false if it was not PENDING. */
  complete(payment: PaymentRef, event: PaymentCompletedV1, receipt: PaymentResponse): Promise<boolean>;
  /** PENDING → REFUNDED with the failure: the amount back on the balance, a REFUND ledger row; false if it was not PENDING. */
  refund(payment: PaymentRef, failure: Failure): Promise<boolean>;
  /**
   * Takes up to `limit` PENDING payments nobody touched for `olderThanMs` (skipping rows another
   * instance holds) and renews their lease, so concurrent recoverers never take the same payment.
   */
  claimStale(olderThanMs: number, limit: number): Promise<PaymentRecord[]>;
}

export type ReservationLookup = { kind: 'found'; reservation: InternalReservation } | { kind: 'not-found' } | { kind: 'unavailable' };

export type Confirmation =
  /** Confirmed now, or earlier by this same payment (booking's confirm is idempotent). */
  | { kind: 'confirmed'; reservation: InternalReservation }
  | { kind: 'expired' }
  | { kind: 'paid-by-other' }
  | { kind: 'not-found' }
  /** Booking did not answer (down, timed out, 5xx): nothing is known, nothing may be decided. */
  | { kind: 'unavailable' };

/** Booking's internal API as the saga sees it. */
export interface BookingPort {
  get(reservationId: string): Promise<ReservationLookup>;
  confirm(reservationId: string, paymentId: string): Promise<Confirmation>;
  /** Frees an unpaid hold at once instead of at its expiry job; best effort, never throws. */
  release(reservationId: string): Promise<void>;
}
