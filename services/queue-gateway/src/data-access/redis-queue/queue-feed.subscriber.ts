import { duplicateRedis, type Logger, type RedisClient } from '@ticketing/service-kit';
import type { QueueFeedEvent } from '../../domain/waiting-room';

export interface QueueFeedOptions {
  /** The service's Redis client; the subscription runs on a duplicate of it (a subscribed connection can do nothing else). */
  redis: RedisClient;
  /** QUEUE_KEY_PREFIX: the feed is the channel `${prefix}feed` the queue scripts publish on. */
  prefix: string;
  onEvent: (event: QueueFeedEvent) => void;
  /**
   * Called each time the subscription is (re)established. Pub/sub does not keep messages for a
   * disconnected subscriber, so whatever was published meanwhile must be re-read.
   */
  onSubscribed: () => void;
  logger: Logger;
}

export interface QueueFeed {
  close(): Promise<void>;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Reads one feed message (the JSON of `finish` in queue-lua/common.lua.ts; an empty Lua table arrives as `{}`). */
function parseFeedMessage(message: string): QueueFeedEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const fields = raw as Record<string, unknown>;
  const admittedTotal = number(fields.n);
  const ratePerSecond = number(fields.r);
  const expiresAt = number(fields.x);
  return {
    admitted: strings(fields.a),
    gone: strings(fields.g),
    ...(admittedTotal === undefined ? {} : { admittedTotal }),
    ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/**
 * One subscription per gateway process to the queue's feed, whatever the number of connected waiters.
 * The duplicate connection retries forever and resubscribes by itself after an outage (ioredis'
 * autoResubscribe); `onSubscribed` then lets the caller catch up.
 */
export function subscribeQueueFeed(options: QueueFeedOptions): QueueFeed {
  const logger = options.logger.child({ component: 'queue-feed' });
  const channel = `${options.prefix}feed`;
  const subscriber = duplicateRedis(options.redis, { enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
  let reported = false;
  subscriber.on('error', (error) => {
    if (!reported) logger.warn({ err: error }, 'queue feed connection error');
    reported = true;
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const event = parseFeedMessage(message);
    if (event) options.onEvent(event);
    else logger.warn({ length: message.length }, 'skipped an unreadable queue feed message');
  });
  // 'ready' fires on the first connection and after every reconnect; ioredis resubscribes right before it.
  subscriber.on('ready', () => {
    reported = false;
    subscriber
      .subscribe(channel)
      .then(() => options.onSubscribed())
      .catch((error: unknown) => logger.warn({ err: error }, 'could not subscribe to the queue feed'));
  });

  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= subscriber.quit().then(
        () => undefined,
        () => subscriber.disconnect(),
      );
      return closing;
    },
  };
}
