import { repeatEvery, runWithCorrelationId, type Logger } from '@ticketing/service-kit';
import type { PaymentStore } from '../../domain/payment';
import type { PaymentEvents } from '../../domain/payment-events';
import type { PaymentSettlement } from '../../domain/payment-settlement';

export interface PaymentRecoveryOptions {
  payments: PaymentStore;
  settlement: PaymentSettlement;
  events: PaymentEvents;
  logger: Logger;
  /** A PENDING payment untouched this long is taken over (its request is long gone or still stuck). */
  olderThanMs: number;
  batchSize: number;
}

/**
 * One pass: claims the PENDING payments left behind (a crash between deduction and confirmation, booking
 * down) and settles each through booking's idempotent confirm: confirmed by this payment (now or
 * earlier) → COMPLETED with its outbox row; expired, cancelled, gone or paid by another → REFUNDED.
 * Booking still unreachable → left PENDING for a later pass.
 */
export async function recoverPendingPayments(options: PaymentRecoveryOptions): Promise<{ claimed: number; bookingUnavailable: boolean }> {
  const claimed = await options.payments.claimStale(options.olderThanMs, options.batchSize);
  for (const payment of claimed) {
    // Sequential and stopping at the first "unavailable": during a booking outage one probe per pass is
    // enough; the rest keep their renewed lease and come back after the threshold.
    const settled = await runWithCorrelationId(payment.correlationId ?? undefined, () => options.settlement.settle(payment));
    options.events.recovered(settled.kind);
    if (settled.kind === 'pending') {
      options.logger.warn({ paymentId: payment.id }, 'booking unavailable; pending payments wait for the next pass');
      return { claimed: claimed.length, bookingUnavailable: true };
    }
    options.logger.info({ paymentId: payment.id, reservationId: payment.reservationId, outcome: settled.kind }, 'pending payment settled by recovery');
  }
  return { claimed: claimed.length, bookingUnavailable: false };
}

/** Runs `recoverPendingPayments` every `intervalMs` (sooner while full batches come back). Returns a stop function. */
export function startPaymentRecovery(options: PaymentRecoveryOptions & { intervalMs: number }): () => Promise<void> {
  const logger = options.logger.child({ component: 'payment-recovery' });
  return repeatEvery(options.intervalMs, async () => {
    try {
      const pass = await recoverPendingPayments({ ...options, logger });
      return pass.claimed === options.batchSize && !pass.bookingUnavailable ? 0 : options.intervalMs;
    } catch (error) {
      logger.warn({ err: error }, 'payment recovery pass failed; retrying next interval');
      return options.intervalMs;
    }
  });
}
