import { randomUUID } from 'node:crypto';
import { newPaymentCompleted, type InternalReservation, type PaymentResponse } from '@ticketing/contracts';
import type { BookingPort, Failure, PaymentOutcome, PaymentRef, PaymentStore } from './payment';

export type Settlement = PaymentOutcome | { kind: 'pending' };

const FAILURES = {
  expired: { code: 'BOOKING.RESERVATION_EXPIRED', message: 'The hold on this seat expired before the payment; the amount was refunded' },
  'paid-by-other': { code: 'PAYMENT.ALREADY_PAID', message: 'This reservation is already paid; the amount was refunded' },
  'not-found': { code: 'BOOKING.RESERVATION_NOT_FOUND', message: 'The reservation no longer exists; the amount was refunded' },
} as const satisfies Record<string, Failure>;

/**
 * The second half of the saga, shared by the request, a repeated Idempotency-Key and the recovery job:
 * ask booking to confirm the reservation for this payment, then complete or refund it. Booking's
 * confirm is idempotent and its answer final (a hold confirmed by this payment never expires; an
 * expired one is never confirmed), so any number of settlers reach the same decision, and the
 * PENDING-only transitions let exactly one of them write it.
 */
export class PaymentSettlement {
  constructor(
    private readonly store: PaymentStore,
    private readonly booking: BookingPort,
  ) {}

  async settle(payment: PaymentRef): Promise<Settlement> {
    const confirmation = await this.booking.confirm(payment.reservationId, payment.id);
    switch (confirmation.kind) {
      case 'unavailable':
        // Deducted but unconfirmed: stays PENDING for a retry or the recovery job; nothing is guessed.
        return { kind: 'pending' };
      case 'confirmed':
        return this.complete(payment, confirmation.reservation);
      case 'expired': {
        const settled = await this.refund(payment, FAILURES.expired);
        // Free the seat now rather than at the hold's expiry job (idempotent; the job stays as a backstop).
        await this.booking.release(payment.reservationId);
        return settled;
      }
      case 'paid-by-other':
      case 'not-found':
        return this.refund(payment, FAILURES[confirmation.kind]);
    }
  }

  private async complete(payment: PaymentRef, reservation: InternalReservation): Promise<Settlement> {
    const receipt: PaymentResponse = { paymentId: payment.id, reservationId: payment.reservationId, amount: payment.amount, status: 'COMPLETED' };
    // eventId is the outbox row's id, so a republished row is recognisably the same event downstream.
    const event = newPaymentCompleted({
      eventId: randomUUID(),
      paymentId: payment.id,
      reservationId: payment.reservationId,
      userId: payment.userId,
      concertId: reservation.concertId,
      scheduleId: reservation.scheduleId,
      seatNo: reservation.seatNo,
      amount: payment.amount,
    });
    if (await this.store.complete(payment, event, receipt)) return { kind: 'completed', receipt };
    return this.current(payment.id);
  }

  private async refund(payment: PaymentRef, failure: Failure): Promise<Settlement> {
    if (await this.store.refund(payment, failure)) return { kind: 'refunded', failure };
    return this.current(payment.id);
  }

  /** Someone else settled it first: their decision (the same one, see above) is the answer. */
  private async current(paymentId: string): Promise<Settlement> {
    const payment = await this.store.findById(paymentId);
    return payment?.outcome ?? { kind: 'pending' };
  }
}
