import { AppError } from '@ticketing/service-kit/errors';
import type { HoldExpiryScheduler, ReservationRecord, ReservationStore } from './reservation';

/** Reports what happened, for metrics and logs, without the rules knowing about either. */
export interface ReservationEvents {
  /** How long the hold statement took (seconds), lock wait included, whatever its outcome. */
  holdTimed(seconds: number): void;
  held(): void;
  conflict(): void;
  expiryNotScheduled(reservationId: string, error: unknown): void;
}

/** The reservation rules behind the HTTP routes: holds, the owner's view, and the payment hand-off. */
export class ReservationService {
  constructor(
    private readonly store: ReservationStore,
    private readonly expiry: HoldExpiryScheduler,
    private readonly events: ReservationEvents,
    private readonly rules: { holdSeconds: number; holdLimit: number },
  ) {}

  /**
   * Holds a seat for `holdSeconds`; exactly one caller wins a seat, the others get 409 at once. A user
   * holds at most `holdLimit` unpaid seats of one schedule, so a few accounts cannot block a sale.
   */
  async hold(userId: string, scheduleId: string, seatNo: number): Promise<ReservationRecord> {
    const started = performance.now();
    const outcome = await this.store.hold({ userId, scheduleId, seatNo, ...this.rules }).finally(() => this.events.holdTimed((performance.now() - started) / 1_000));
    if (outcome.kind === 'seat-not-found') throw new AppError('BOOKING.SEAT_NOT_FOUND', `No seat ${seatNo} in schedule ${scheduleId}`);
    if (outcome.kind === 'hold-limit') {
      this.events.conflict();
      throw new AppError('BOOKING.HOLD_LIMIT', `You already hold ${this.rules.holdLimit} unpaid seats of this schedule; pay for or release one first`);
    }
    if (outcome.kind === 'unavailable') {
      this.events.conflict();
      throw new AppError('BOOKING.SEAT_UNAVAILABLE', `Seat ${seatNo} is not available`);
    }
    this.events.held();
    // The hold is committed either way: a lost expiry job is what the sweeper exists for.
    await this.expiry.schedule(outcome.reservation.id, outcome.reservation.expiresAt).catch((error: unknown) => {
      this.events.expiryNotScheduled(outcome.reservation.id, error);
    });
    return outcome.reservation;
  }

  /** A reservation as its owner sees it; someone else's is indistinguishable from a missing one. */
  async getOwn(userId: string, reservationId: string): Promise<ReservationRecord> {
    const reservation = await this.store.findById(reservationId);
    if (!reservation || reservation.userId !== userId) throw notFound(reservationId);
    return reservation;
  }

  async get(reservationId: string): Promise<ReservationRecord> {
    const reservation = await this.store.findById(reservationId);
    if (!reservation) throw notFound(reservationId);
    return reservation;
  }

  /** Payment claims the hold. Idempotent for the same payment; an expired or foreign claim is a 409. */
  async confirm(reservationId: string, paymentId: string): Promise<ReservationRecord> {
    const outcome = await this.store.confirm(reservationId, paymentId);
    switch (outcome.kind) {
      case 'confirmed':
      case 'already-confirmed':
        return outcome.reservation;
      case 'paid-by-other':
        throw new AppError('PAYMENT.ALREADY_PAID', 'This reservation is already paid');
      case 'expired':
        throw new AppError('BOOKING.RESERVATION_EXPIRED', 'The hold on this seat has expired');
      case 'not-found':
        throw notFound(reservationId);
    }
  }

  /** Gives an unpaid hold back (idempotent); a paid reservation cannot be released this way. */
  async release(reservationId: string): Promise<ReservationRecord> {
    const outcome = await this.store.release(reservationId);
    if (outcome.kind === 'not-found') throw notFound(reservationId);
    if (outcome.kind === 'confirmed') throw new AppError('PAYMENT.ALREADY_PAID', 'A paid reservation cannot be released');
    return outcome.reservation;
  }
}

const notFound = (id: string) => new AppError('BOOKING.RESERVATION_NOT_FOUND', `No reservation ${id}`);
