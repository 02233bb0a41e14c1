import { repeatEvery, type Logger } from '@ticketing/service-kit';
import { jitteredBackoff } from '../../domain/backoff';
import type { PrismaOutboxStore } from '../../data-access/outbox.repository';
import type { KafkaOutboxPublisher } from '../../data-access/payment-completed.publisher';
import type { PaymentMetrics } from '../../data-access/payment.metrics';

export interface OutboxRelayOptions {
  outbox: PrismaOutboxStore;
  publisher: KafkaOutboxPublisher;
  metrics: Pick<PaymentMetrics, 'outboxPublished' | 'outboxFailures'>;
  logger: Logger;
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
}

/**
 * Publishes the outbox to Kafka: batch after batch while rows wait, a poll every `pollIntervalMs` when
 * none do. A failed batch (Kafka or Postgres down) stays unpublished and is retried after an exponential,
 * jittered backoff, however long the outage: a row is never skipped or dropped. Several instances share
 * the work through SKIP LOCKED. Returns a stop function.
 */
export function startOutboxRelay(options: OutboxRelayOptions): () => Promise<void> {
  const { outbox, publisher, metrics, pollIntervalMs, batchSize, maxBackoffMs } = options;
  const logger = options.logger.child({ component: 'outbox-relay' });
  let failures = 0;
  return repeatEvery(pollIntervalMs, async () => {
    try {
      const published = await outbox.relayBatch(batchSize, (rows) => publisher.publish(rows));
      if (failures > 0) logger.info({ failures }, 'outbox relay publishing again');
      failures = 0;
      metrics.outboxPublished.inc(published);
      // A full batch means more may wait: go again at once instead of sleeping on a backlog.
      return published === batchSize ? 0 : pollIntervalMs;
    } catch (error) {
      failures += 1;
      metrics.outboxFailures.inc();
      // One line per outage at warn, then every tenth, so a long outage does not flood the logs.
      if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, failures }, 'outbox batch not published; retrying with backoff');
      return jitteredBackoff(failures, pollIntervalMs, maxBackoffMs);
    }
  });
}
