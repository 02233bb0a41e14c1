import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '@ticketing/service-kit';
import type { ReservationEvents } from '../domain/reservation.service';

/** Booking's Prometheus metrics: holds by outcome, expiries by path, and how long a hold transaction takes. */
export function createBookingMetrics(registry: Registry) {
  return {
    holds: new Counter({ name: 'booking_holds_total', help: 'Seat hold attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    expiries: new Counter({ name: 'booking_hold_expiries_total', help: 'Holds released at expiry, by the delayed job or the sweeper', labelNames: ['via'] as const, registers: [registry] }),
    holdSeconds: new Histogram({
      name: 'booking_hold_transaction_seconds',
      help: 'Duration of the seat-hold transaction, lock included',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

export type BookingMetrics = ReturnType<typeof createBookingMetrics>;

/** What the reservation rules report, turned into metrics and log lines. */
export function reservationEvents(metrics: BookingMetrics, logger: Logger): ReservationEvents {
  return {
    holdTimed: (seconds) => metrics.holdSeconds.observe(seconds),
    held: () => metrics.holds.inc({ outcome: 'held' }),
    conflict: () => metrics.holds.inc({ outcome: 'conflict' }),
    expiryNotScheduled: (reservationId, error) => logger.warn({ err: error, reservationId }, 'hold expiry job not scheduled; the sweeper will release it'),
  };
}
