import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

interface KeepStartingOptions {
  /** Connects, subscribes and runs the consumer; rejects while Kafka is unreachable. */
  startOnce: () => Promise<void>;
  /** Disconnects whatever the failed or aborted attempt left connected. */
  disconnect: () => Promise<void> | undefined;
  /** Aborted by the service's close(): stops the attempts. */
  signal: AbortSignal;
  logger: Logger;
  /** Pause after the first failure, doubled after each further one up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Starts a consumer in the background and keeps retrying while Kafka is down, so a service starts and
 * serves without Kafka (its readiness says so) and catches up once the broker answers.
 */
async function keepStartingConsumer(options: KeepStartingOptions): Promise<void> {
  const { logger, signal } = options;
  let delay = options.initialDelayMs;
  for (let attempt = 1; !signal.aborted; attempt += 1) {
    try {
      await options.startOnce();
      // close() may have come while this attempt was connecting: leave the group it just joined.
      if (signal.aborted) await options.disconnect();
      else if (attempt > 1) logger.info({ attempt }, 'consumer started after Kafka became reachable');
      return;
    } catch (error) {
      if (attempt === 1) logger.warn({ err: error }, 'consumer cannot start yet; retrying until Kafka answers');
      await Promise.resolve(options.disconnect()).catch(() => undefined);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}

/**
 * Watches a consumer: `onFirstFetch` once it has joined and fetched, and after a crash kafkajs does not
 * recover from itself, a fresh start through `restart` (unless the service is shutting down).
 */
function superviseConsumer(
  consumer: Consumer,
  options: { signal: AbortSignal; logger: Logger; onFirstFetch: () => void; restart: () => unknown; onCrash?: () => void },
): void {
  const stopListening = consumer.on(consumer.events.FETCH, () => {
    options.onFirstFetch();
    stopListening();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || options.signal.aborted) return;
    options.onCrash?.();
    options.logger.error({ err: payload.error }, 'consumer crashed; starting again');
    void consumer.disconnect().catch(() => undefined).then(options.restart);
  });
}

export interface SupervisedConsumerOptions {
  logger: Logger;
  /** A fresh consumer for each (re)start; `signal` is aborted once close() was called. */
  create: (signal: AbortSignal) => Consumer;
  /** Connects, subscribes and runs it (kafkajs' `run` resolves once it is running). */
  run: (consumer: Consumer) => Promise<void>;
  /** Pause after a failed start, doubled after each further one up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Called when the consumer crashed for good and is started again (e.g. a restart counter). */
  onCrash?: () => void;
}

export interface SupervisedConsumer {
  /** Resolves once the consumer has joined its group and fetched once (its start offsets are settled). */
  readonly ready: Promise<void>;
  /** Stops further starts and leaves the group after the work in hand. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A consumer's whole life in one place: started in the background and retried while Kafka is down
 * (keepStartingConsumer), watched for its first fetch and restarted after a crash kafkajs does not
 * recover from (superviseConsumer), closed once. Returns at once.
 */
export function startSupervisedConsumer(options: SupervisedConsumerOptions): SupervisedConsumer {
  const { logger } = options;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const stopped = new AbortController();
  let consumer: Consumer | undefined;

  const startOnce = async () => {
    const current = options.create(stopped.signal);
    consumer = current;
    superviseConsumer(current, { signal: stopped.signal, logger, onFirstFetch: markReady, restart: keepStarting, onCrash: options.onCrash });
    await options.run(current);
  };
  const keepStarting = () =>
    keepStartingConsumer({
      startOnce,
      disconnect: () => consumer?.disconnect(),
      signal: stopped.signal,
      logger,
      initialDelayMs: options.initialDelayMs,
      maxDelayMs: options.maxDelayMs,
    });
  void keepStarting();

  let closing: Promise<void> | undefined;
  return {
    ready,
    close: () => {
      stopped.abort();
      closing ??= consumer?.disconnect() ?? Promise.resolve();
      return closing;
    },
  };
}
