import { Counter, Gauge, type Registry } from 'prom-client';
import type { PaymentEvents } from '../domain/payment-events';
import type { OutboxLag } from './outbox.repository';

/**
 * Payment's Prometheus metrics, in the service's registry. The outbox lag is read from Postgres at
 * scrape time (one query for both gauges), so it stays true even when the relay itself is stuck.
 */
export function createPaymentMetrics(registry: Registry, outbox: { lag(): Promise<OutboxLag> }) {
  let reading: Promise<OutboxLag> | undefined;
  // Both gauges are collected in the same scrape: share one query.
  const lag = () =>
    (reading ??= outbox.lag().finally(() => {
      reading = undefined;
    }));
  return {
    charges: new Counter({ name: 'payment_charges_total', help: 'Balance charges by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    payments: new Counter({ name: 'payment_payments_total', help: 'POST /payments answers by outcome (completed, replayed, or the error code)', labelNames: ['outcome'] as const, registers: [registry] }),
    lockRetries: new Counter({ name: 'payment_optimistic_lock_retries_total', help: 'Optimistic balance writes retried after a stale version', labelNames: ['operation'] as const, registers: [registry] }),
    recoveries: new Counter({ name: 'payment_recoveries_total', help: 'PENDING payments taken over by the recovery job, by result', labelNames: ['outcome'] as const, registers: [registry] }),
    outboxPublished: new Counter({ name: 'payment_outbox_published_total', help: 'Outbox events published to Kafka', registers: [registry] }),
    outboxFailures: new Counter({ name: 'payment_outbox_publish_failures_total', help: 'Outbox batches Kafka did not take (retried with backoff)', registers: [registry] }),
    outboxUnpublished: new Gauge({
      name: 'payment_outbox_unpublished_events',
      help: 'Outbox events not yet published',
      registers: [registry],
      async collect() {
        // On a failed read keep the last value rather than report a reassuring 0.
        const value = await lag().catch(() => undefined);
        if (value) this.set(value.unpublished);
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'payment_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest unpublished outbox event (0 when none waits)',
      registers: [registry],
      async collect() {
        const value = await lag().catch(() => undefined);
        if (value) this.set(value.oldestAgeSeconds);
      },
    }),
  };
}

export type PaymentMetrics = ReturnType<typeof createPaymentMetrics>;

/** What the money rules report, turned into metrics. */
export function paymentEvents(metrics: PaymentMetrics): PaymentEvents {
  return {
    charged: (outcome) => metrics.charges.inc({ outcome }),
    paid: (outcome) => metrics.payments.inc({ outcome }),
    lockRetried: (operation) => metrics.lockRetries.inc({ operation }),
    recovered: (outcome) => metrics.recoveries.inc({ outcome }),
  };
}
