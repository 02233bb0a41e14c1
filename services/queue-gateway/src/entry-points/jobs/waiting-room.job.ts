import type { Logger } from '@ticketing/service-kit';
import { subscribeQueueFeed, type QueueFeedOptions } from '../../data-access/redis-queue/queue-feed.subscriber';
import type { RedisQueueStore } from '../../data-access/redis-queue/queue.store';
import { WaitingRoom } from '../../domain/waiting-room';

export interface WaitingRoomOptions {
  /** The service's Redis client (the feed subscribes on a duplicate of it). */
  redis: QueueFeedOptions['redis'];
  store: Pick<RedisQueueStore, 'touch' | 'prefix'>;
  /**
   * How often the connected waiters are marked present and their states re-read (one batched call per
   * process, not a timer per waiter). Well under QUEUE_ABANDON_AFTER_SECONDS, so that nobody with an
   * open connection loses their place.
   */
  presenceEveryMs: number;
  logger: Logger;
}

/**
 * A third of the abandonment window (two checks can fail in a row before anyone connected is dropped), at
 * most 100 s. A longer window thus makes presence cheaper: for a line of a million connected waiters the
 * checks are the line's master's largest cost (docs/SCALING.md "What breaks first").
 */
export const presenceInterval = (abandonAfterSeconds: number) => Math.min(100_000, (abandonAfterSeconds * 1_000) / 3);

export interface RunningWaitingRoom {
  room: WaitingRoom;
  close(): Promise<void>;
}

/**
 * This process's waiting room: one feed subscription fanned out to its waiters, and the presence check
 * that keeps their places and catches anything the feed lost (pub/sub drops messages while the
 * subscriber reconnects).
 */
export function startWaitingRoom(options: WaitingRoomOptions): RunningWaitingRoom {
  const logger = options.logger.child({ component: 'waiting-room' });
  const room = new WaitingRoom();

  let checking: Promise<void> | undefined;
  const checkPresence = () => {
    checking ??= (async () => {
      const tokens = room.tokens();
      if (tokens.length === 0) return;
      room.resync(await options.store.touch(tokens, Date.now()));
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'presence check failed; the next one retries'))
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const feed = subscribeQueueFeed({
    redis: options.redis,
    prefix: options.store.prefix,
    onEvent: (event) => room.apply(event, Date.now()),
    onSubscribed: () => void checkPresence(),
    logger,
  });
  const presence = setInterval(() => void checkPresence(), options.presenceEveryMs);
  presence.unref();

  return {
    room,
    close: async () => {
      clearInterval(presence);
      await feed.close();
    },
  };
}
