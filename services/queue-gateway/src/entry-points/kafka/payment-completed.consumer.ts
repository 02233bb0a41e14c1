import type { Kafka } from 'kafkajs';
import { parsePaymentCompleted, Topics, type PaymentCompletedV1 } from '@ticketing/contracts';
import { correlationIdFrom, pinNewGroupToLatest, runWithCorrelationId, startSupervisedConsumer, type Logger, type SupervisedConsumer } from '@ticketing/service-kit';

export interface PaymentCompletedConsumerOptions {
  kafka: Kafka;
  /** The gateway's own group ('queue-gateway'): every gateway event is handled once per group. */
  groupId: string;
  /**
   * Expires the user's token in Redis (RedisQueueStore#expireUser): in the site-wide line and in the line
   * of the concert paid for (`concertId`). Must be idempotent: redelivery is normal. Tokens issued after
   * `issuedAtOrBefore` (the payment's time) must be kept.
   */
  expireUser: (userId: string, now: number, options: { issuedAtOrBefore?: number; concertId?: string }) => Promise<unknown>;
  /**
   * Optional: expires them in the Postgres copy too (FallbackTokenRepository#expireUser), so a payment
   * takes effect in the fallback even while Redis is down. Its failure is only logged: the Redis expiry
   * reaches the copy through the change stream anyway.
   */
  expireInFallback?: (userId: string, options: { issuedAtOrBefore: number; at: number; concertId?: string }) => Promise<unknown>;
  logger: Logger;
  /** Called after an event retired a live token, i.e. freed a slot (the gateway admits the next at once). */
  onExpired?: () => void;
  /** Where a brand-new group starts; false (the default) skips history: its tokens have long expired. */
  fromBeginning?: boolean;
}

/** The running consumer: `ready` once it joined its group and fetched, `close()` leaves the group. */
export type PaymentCompletedConsumer = SupervisedConsumer;

/** Pause between attempts to (re)start while Kafka is unreachable. */
const RESTART_DELAY_MS = 5_000;

/**
 * Consumes PaymentCompleted and expires the payer's queue token, so their active slot goes to the next
 * person in line within seconds of the payment. An unreadable message is logged and skipped (the sink
 * owns the dead-letter topic); a failure to expire is thrown, so kafkajs retries the message and the
 * offset is committed only after it was handled.
 *
 * Returns at once: joining the group happens in the background and is retried while Kafka is down, so
 * the gateway serves the queue without Kafka (readiness reports it) and catches up when it returns.
 */
export function startPaymentCompletedConsumer(options: PaymentCompletedConsumerOptions): PaymentCompletedConsumer {
  const logger = options.logger.child({ component: 'payment-completed-consumer' });

  const handle = async (event: PaymentCompletedV1) => {
    const now = Date.now();
    const issuedAtOrBefore = Date.parse(event.occurredAt);
    const [redis, fallback] = await Promise.allSettled([
      options.expireUser(event.userId, now, { issuedAtOrBefore, concertId: event.concertId }),
      options.expireInFallback?.(event.userId, { issuedAtOrBefore, at: now, concertId: event.concertId }),
    ]);
    if (fallback.status === 'rejected') logger.warn({ err: fallback.reason, eventId: event.eventId }, 'could not expire the token in the fallback table');
    if (redis.status === 'rejected') throw redis.reason;
    if (redis.value !== undefined) options.onExpired?.();
    logger.info({ eventId: event.eventId, userId: event.userId, expired: redis.value !== undefined }, 'token expired after payment');
  };

  const fromBeginning = options.fromBeginning ?? false;
  return startSupervisedConsumer({
    logger,
    initialDelayMs: RESTART_DELAY_MS,
    maxDelayMs: RESTART_DELAY_MS,
    // A 1 s long poll (kafkajs waits 5 s by default on an idle topic) bounds how long disconnect() waits
    // for the fetch in flight, i.e. how much of the shutdown budget leaving the group costs.
    // A 10 s session (kafkajs' default is 30 s): after a gateway crashes, the group waits this long for
    // the dead member before handing its partitions over, and until then payers keep their slots.
    create: () => options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 1_000, sessionTimeout: 10_000 }),
    run: async (consumer) => {
      // Skipping history must not skip the events that arrive before the group's first commit (e.g. all
      // of them failing while Redis is down): a new group starts at the end as it is now, committed.
      if (!fromBeginning) await pinNewGroupToLatest(options.kafka, options.groupId, Topics.PaymentCompleted);
      await consumer.connect();
      await consumer.subscribe({ topic: Topics.PaymentCompleted, fromBeginning });
      await consumer.run({
        // kafkajs commits an offset only after eachMessage resolved for it.
        eachMessage: async ({ message, partition }) =>
          runWithCorrelationId(correlationIdFrom(message.headers), async () => {
            const parsed = parsePaymentCompleted(message.value);
            if (!parsed.ok) {
              logger.warn({ kind: parsed.kind, reason: parsed.reason, partition, offset: message.offset }, 'skipped an unreadable PaymentCompleted');
              return;
            }
            await handle(parsed.event);
          }),
      });
    },
  });
}
