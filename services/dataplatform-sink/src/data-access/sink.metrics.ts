import { Counter, Gauge, type Registry } from 'prom-client';
import { runWithCorrelationId, type Logger } from '@ticketing/service-kit';
import type { SinkEvents } from '../domain/event-sink.service';

/** The sink's Prometheus metrics. Lag and last-stored time show a stalled sink before anyone asks. */
export function createSinkMetrics(registry: Registry) {
  return {
    stored: new Counter({ name: 'sink_events_stored_total', help: 'PaymentCompleted events stored (first delivery of an eventId)', registers: [registry] }),
    duplicates: new Counter({ name: 'sink_duplicates_ignored_total', help: 'Deliveries of an already stored eventId, counted and not stored again', registers: [registry] }),
    deadLetters: new Counter({
      name: 'sink_dead_letters_total',
      help: 'Messages sent to payment.completed.dlq, by why',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'sink_delivery_failures_total',
      help: 'Deliveries whose store or dead-letter send failed and will be redelivered',
      registers: [registry],
    }),
    restarts: new Counter({ name: 'sink_consumer_restarts_total', help: 'Times the consumer crashed and was started again', registers: [registry] }),
    lag: new Gauge({
      name: 'sink_consumer_lag_messages',
      help: 'Messages behind the partition end after the last handled batch',
      labelNames: ['partition'] as const,
      registers: [registry],
    }),
    lastStored: new Gauge({
      name: 'sink_last_stored_timestamp_seconds',
      help: 'Unix time the sink last stored a new event (age = time() - this)',
      registers: [registry],
    }),
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;

/** The rules' reports as metrics and log lines, each line under the message's own correlation id. */
export function sinkEvents(metrics: SinkMetrics, logger: Logger): SinkEvents {
  const log = logger.child({ component: 'event-sink' });
  return {
    stored: (delivery) => {
      metrics.stored.inc();
      metrics.lastStored.setToCurrentTime();
      runWithCorrelationId(delivery.correlationId, () => log.debug({ eventId: delivery.parsed.event.eventId, ...delivery.position }, 'event stored'));
    },
    duplicate: (delivery) => {
      metrics.duplicates.inc();
      runWithCorrelationId(delivery.correlationId, () =>
        log.info({ eventId: delivery.parsed.event.eventId, ...delivery.position }, 'duplicate delivery ignored'),
      );
    },
    deadLettered: (letter) => {
      metrics.deadLetters.inc({ kind: letter.kind });
      runWithCorrelationId(letter.correlationId, () => log.warn({ kind: letter.kind, reason: letter.reason, ...letter.position }, 'message dead-lettered'));
    },
    failed: (error, deliveries) => {
      metrics.failures.inc(deliveries);
      log.warn({ err: error, deliveries }, 'could not handle deliveries; they will be redelivered');
    },
  };
}
