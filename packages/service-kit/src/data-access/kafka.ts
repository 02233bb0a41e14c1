import { Kafka, logLevel as KafkaLogLevel, type Admin, type IHeaders, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../health/readiness';
import { currentCorrelationId } from '../logger/request-context';
import { KafkaHeaders } from '@ticketing/contracts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

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
      logger[LEVELS[entry.level] ?? 'info']({ namespace: entry.namespace, ...extra }, message);
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

/** Kafka headers carrying the current correlation id, so a consumer's logs join the producer's request. */
export function correlationHeaders(): IHeaders {
  const correlationId = currentCorrelationId();
  return correlationId ? { [KafkaHeaders.CorrelationId]: correlationId } : {};
}

/** The correlation id a message carries, if any. */
export function correlationIdFrom(headers: IHeaders | undefined): string | undefined {
  const value = headers?.[KafkaHeaders.CorrelationId];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
