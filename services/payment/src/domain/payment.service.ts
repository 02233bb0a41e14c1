import { randomUUID } from 'node:crypto';
import type { PaymentResponse } from '@ticketing/contracts';
import { AppError, currentCorrelationId, wrongQueue } from '@ticketing/service-kit/errors';
import { pause } from './backoff';
import type { BalanceStore } from './balance';
import type { KeyedSerializer } from './keyed-serializer';
import { STALE, withOptimisticRetry, type RetryPolicy } from './optimistic-retry';
import type { BookingPort, PaymentRecord, PaymentRef, PaymentStore } from './payment';
import type { PaymentEvents } from './payment-events';
import type { PaymentSettlement, Settlement } from './payment-settlement';

export interface PaymentServiceDeps {
  payments: PaymentStore;
  balances: BalanceStore;
  booking: BookingPort;
  settlement: PaymentSettlement;
  retry: RetryPolicy;
  /** The same queue of balance writes as the balance service's. */
  balanceWrites: KeyedSerializer;
  events: PaymentEvents;
  /** How long a repeated Idempotency-Key waits for the first request before resuming the saga itself. */
  idempotencyWaitMs: number;
}

export interface PayCommand {
  userId: string;
  reservationId: string;
  idempotencyKey?: string;
  /** Only the first answer of `idempotencyKey` may be given: the caller's queue token has ended (paying ended it). */
  replayOnly?: boolean;
  /** The concert whose line admitted the caller: a reservation of another concert is refused (QUEUE.WRONG_QUEUE). */
  concertId?: string;
}

const POLL_MS = 50;

/** A `POST /payments` answer, and whether it is the first answer of its Idempotency-Key again. */
interface Answer {
  answer: PaymentResponse;
  replayed: boolean;
}

/** `POST /payments`: the first half of the saga (check, deduct) and the answer; see README "Payment saga". */
export class PaymentService {
  constructor(private readonly deps: PaymentServiceDeps) {}

  async pay(command: PayCommand): Promise<PaymentResponse> {
    try {
      const { answer, replayed } = await this.run(command);
      this.deps.events.paid(replayed ? 'replayed' : 'completed');
      return answer;
    } catch (error) {
      this.deps.events.paid(error instanceof AppError ? error.code : 'COMMON.INTERNAL');
      throw error;
    }
  }

  private async run({ userId, reservationId, idempotencyKey, replayOnly, concertId }: PayCommand): Promise<Answer> {
    const { booking } = this.deps;
    // The key first: its answer stands even after the reservation has moved on (e.g. is now CONFIRMED).
    const earlier = await this.answerForKey(userId, reservationId, idempotencyKey);
    if (earlier) return earlier;
    if (replayOnly) throw new AppError('QUEUE.TOKEN_INVALID', 'The queue token has ended: only a payment already made can be asked for again');

    const lookup = await booking.get(reservationId);
    if (lookup.kind === 'unavailable') throw unavailable();
    // Someone else's reservation is indistinguishable from a missing one.
    if (lookup.kind === 'not-found' || lookup.reservation.userId !== userId) {
      throw new AppError('BOOKING.RESERVATION_NOT_FOUND', `No reservation ${reservationId}`);
    }
    const { reservation } = lookup;
    if (concertId !== undefined && reservation.concertId.toLowerCase() !== concertId) {
      throw wrongQueue();
    }
    if (reservation.status !== 'HELD' || Date.parse(reservation.expiresAt) <= Date.now()) {
      // A request with the same key may have finished the whole saga between our key check and
      // our look at the reservation: its answer, not "already paid", is what this key gets.
      const winner = await this.answerForKey(userId, reservationId, idempotencyKey);
      if (winner) return winner;
      if (reservation.status === 'CONFIRMED') throw alreadyPaid();
      throw new AppError('BOOKING.RESERVATION_EXPIRED', 'The hold on this seat has expired');
    }

    const payment: PaymentRef = { id: randomUUID(), reservationId, userId, amount: reservation.price, correlationId: currentCorrelationId() ?? null };
    const started = await this.deps.balanceWrites.run(userId, () =>
      withOptimisticRetry(this.deps.retry, () => this.tryStart(payment, idempotencyKey ?? null), () => this.deps.events.lockRetried('payment')),
    );
    if (started === 'duplicate') {
      // Another request inserted first (same reservation, or same key): its answer, or ALREADY_PAID.
      const winner = await this.answerForKey(userId, reservationId, idempotencyKey);
      if (!winner) throw alreadyPaid();
      return winner;
    }
    return { answer: answerOf(await this.deps.settlement.settle(payment)), replayed: false };
  }

  /**
   * The first answer of the user's `idempotencyKey`, if a payment with it exists: asked when the
   * request arrives, and again wherever a concurrent request with the same key may have got there first.
   */
  private async answerForKey(userId: string, reservationId: string, idempotencyKey: string | undefined): Promise<Answer | undefined> {
    if (idempotencyKey === undefined) return undefined;
    const first = await this.deps.payments.findByKey(userId, idempotencyKey);
    return first && { answer: await this.replay(first, reservationId), replayed: true };
  }

  /** One optimistic attempt at the saga's first step: PENDING payment, deduction and ledger row, or nothing. */
  private async tryStart(payment: PaymentRef, idempotencyKey: string | null): Promise<'started' | 'duplicate' | typeof STALE> {
    const seen = await this.deps.balances.find(payment.userId);
    if (!seen || seen.amount < payment.amount) {
      throw new AppError('PAYMENT.INSUFFICIENT_BALANCE', `The balance does not cover ${payment.amount}`);
    }
    const attempt = await this.deps.payments.start({ ...payment, idempotencyKey }, seen);
    return attempt.kind === 'stale' ? STALE : attempt.kind;
  }

  /**
   * The first answer for a key: at once when stored; while the first request is still running, after
   * waiting for it; if it never finishes (its process died, booking was down), by resuming its saga —
   * safe, since every step is idempotent and only one settler can write the outcome.
   */
  private async replay(first: PaymentRecord, reservationId: string): Promise<PaymentResponse> {
    if (first.reservationId !== reservationId) {
      throw new AppError('PAYMENT.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another reservation');
    }
    let current: PaymentRecord | undefined = first;
    const deadline = Date.now() + this.deps.idempotencyWaitMs;
    while (current?.status === 'PENDING' && Date.now() < deadline) {
      await pause(POLL_MS);
      current = await this.deps.payments.findById(first.id);
    }
    return answerOf(current?.outcome ?? (await this.deps.settlement.settle(first)));
  }
}

/** The answer of a settled saga: the receipt, or the failure it was refunded for as an AppError. */
function answerOf(settlement: Settlement): PaymentResponse {
  if (settlement.kind === 'pending') throw unavailable();
  if (settlement.kind === 'completed') return settlement.receipt;
  throw new AppError(settlement.failure.code, settlement.failure.message);
}

const alreadyPaid = () => new AppError('PAYMENT.ALREADY_PAID', 'This reservation is already paid');
const unavailable = () =>
  new AppError('COMMON.UNAVAILABLE', 'Booking did not answer; the payment will be finished or refunded shortly. Retry with the same Idempotency-Key to get its outcome', {
    retryAfterSeconds: 2,
  });
