import { Kafka, logLevel as KafkaLogLevel, type Admin, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../../health/readiness';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/**
 * What kafkajs reports as an error while it does its normal work, matched on kafkajs's own message for
 * the protocol error, which its entries carry in `error`:
 * - REBALANCE_IN_PROGRESS: a consumer group rebalances whenever a member joins or leaves (a second
 *   gateway starts, one stops); kafkajs logs the heartbeat's answer at ERROR and its re-join at WARN,
 *   then carries on.
 * - COORDINATOR_LOAD_IN_PROGRESS: a broker that just started answers "loading" until its group
 *   coordinator is ready; kafkajs retries (seen at every `npm start` on a fresh broker).
 * An operator should not be paged for those, so they go out at INFO.
 */
const ROUTINE_ERRORS = new Set(['The group is rebalancing, so a rejoin is needed', "The coordinator is loading and hence can't process requests for this group"]);

/**
 * kafkajs's warnings about choices this project makes on purpose, also at INFO. The payment outbox's
 * producer is idempotent with few retries: the relay's own backoff resends, and the sink stores each
 * eventId once, so kafkajs's "may invalidate EoS" at every start says nothing an operator must act on.
 */
const DELIBERATE_CHOICES = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

function levelOf(entry: LogEntry): 'error' | 'warn' | 'info' | 'debug' {
  const error = (entry.log as { error?: unknown }).error;
  if ((typeof error === 'string' && ROUTINE_ERRORS.has(error)) || DELIBERATE_CHOICES.has(entry.log.message)) return 'info';
  return LEVELS[entry.level] ?? 'info';
}

/** A kafkajs client whose own logs go through the service's pino logger instead of console. */
export function createKafka(options: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const logger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      logger[levelOf(entry)]({ namespace: entry.namespace, ...extra }, message);
    },
  });
}

/**
 * Readiness through a long-lived admin client: describing the cluster is one metadata round trip
 * to a live broker, and fails when none answers.
 */
export function kafkaReadiness(admin: Admin): ReadinessCheck {
  let connected: Promise<void> | undefined;
  return {
    name: 'kafka',
    check: async () => {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected;
      await admin.describeCluster();
    },
  };
}

/**
 * For a consumer group that skips history (`fromBeginning: false`): when the group has no committed
 * offset on `topic` yet, commits the topic's current end as its starting point. Without it, kafkajs
 * resolves "latest" again at every (re)start until the group's first commit, so a consumer that fails
 * on its first events (its store is down) and restarts jumps past them and never handles them.
 * A no-op once the group has offsets, or while another member runs the group (it starts it instead).
 */
export async function pinNewGroupToLatest(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    if (!committed || committed.partitions.some((p) => p.offset !== '-1')) return;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((end) => ({ partition: end.partition, offset: end.offset })) }).catch((error: unknown) => {
      // "must have no running instances": another instance has joined the group and owns its start.
      if (!String((error as Error).message).includes('no running instances')) throw error;
    });
  } finally {
    await admin.disconnect();
  }
}
