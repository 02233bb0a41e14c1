import type { Logger, RedisClient } from '@ticketing/service-kit';
import { readStreamEntries, type StreamEntry } from './stream-reply';

/** The consumer group every gateway instance joins; each change is copied by exactly one of them. */
export const FALLBACK_SYNC_GROUP = 'fallback-sync';

export interface ChangeStreamOptions {
  redis: RedisClient;
  /** The stream key, `${QUEUE_KEY_PREFIX}changes`. */
  stream: string;
  /** This instance's name in the group. */
  consumer: string;
  batchSize: number;
  /** Entries another consumer has held unacknowledged this long are taken over (it is presumed dead). */
  claimIdleMs: number;
  logger: Logger;
}

/**
 * The queue's change stream read through the `fallback-sync` consumer group: at-least-once delivery
 * across any number of gateway instances, with entries of a dead instance taken over after a while.
 */
export class ChangeStreamReader {
  private groupReady = false;
  private claimCursor = '0-0';

  /** Set while changes are lost and the copy not rebuilt; beside the stream (same hash tag on a cluster). */
  private readonly lostKey: string;

  constructor(private readonly options: ChangeStreamOptions) {
    this.lostKey = `${options.stream}:lost`;
  }

  /** The next batch to copy: own unacknowledged entries first (a failed write is retried), then a dead consumer's, then new ones. */
  async nextBatch(): Promise<StreamEntry[]> {
    const { redis, stream, consumer, batchSize, claimIdleMs } = this.options;
    await this.ensureGroup();
    const mine = await this.read('0');
    if (mine.length > 0) return mine;
    const reply = (await redis.xautoclaim(stream, FALLBACK_SYNC_GROUP, consumer, claimIdleMs, this.claimCursor, 'COUNT', batchSize)) as unknown[];
    this.claimCursor = typeof reply[0] === 'string' ? reply[0] : '0-0';
    const taken = readStreamEntries([[stream, reply[1]]]);
    if (taken.length > 0) this.options.logger.info({ entries: taken.length }, 'took over changes left pending by another consumer');
    return taken.length > 0 ? taken : this.read('>');
  }

  /**
   * Acknowledges and deletes the entries together: the stream then holds only what is not copied yet,
   * so it stays small. XDEL is safe because this group is the stream's only reader.
   */
  async done(ids: string[]): Promise<void> {
    const { redis, stream } = this.options;
    await redis.multi().xack(stream, FALLBACK_SYNC_GROUP, ...ids).xdel(stream, ...ids).exec();
  }

  /**
   * Keeps the stream at most `cap` entries long, dropping the oldest, and answers whether changes are
   * lost: dropped now, or marked lost by an earlier pass (here or on another gateway) whose copy was not
   * rebuilt yet. The queue's scripts append without a cap; this is the only place the stream is
   * trimmed, so a loss is seen where it happens rather than inferred. (It used to be inferred from the
   * group's `lag`, which Redis 7.0 answers from a read counter that an AOF reload can leave behind: a
   * rebuild at `npm start` after a load run, with lag 2,255 on an empty stream.) One round trip per
   * pass; a second only to mark a drop.
   */
  async capAndCheckLost(cap: number): Promise<boolean> {
    const { redis, stream } = this.options;
    const replies = (await redis.multi().xtrim(stream, 'MAXLEN', cap).exists(this.lostKey).exec()) ?? [];
    const dropped = Number(replies[0]?.[1] ?? 0);
    if (dropped > 0) await redis.set(this.lostKey, String(dropped));
    return dropped > 0 || Number(replies[1]?.[1] ?? 0) === 1;
  }

  /** The copy was rebuilt from Redis' state: the loss is repaired. */
  async lossRepaired(): Promise<void> {
    await this.options.redis.del(this.lostKey);
  }

  /**
   * Moves the group past everything in the stream now (a full resync from Redis' state covers it), and
   * deletes those entries in the same step: left in place they would never be read, and the cap would
   * later drop them and call that a loss.
   */
  async skipToEnd(): Promise<void> {
    const { redis, stream } = this.options;
    await this.ensureGroup();
    await redis.multi().xgroup('SETID', stream, FALLBACK_SYNC_GROUP, '$').xtrim(stream, 'MAXLEN', 0).exec();
  }

  /** Forget the group after Redis lost it (restarted without its AOF), so the next read creates it again. */
  reset(): void {
    this.groupReady = false;
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    // From the start of the stream: changes written before the first gateway ever started are copied too.
    await this.options.redis.xgroup('CREATE', this.options.stream, FALLBACK_SYNC_GROUP, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.includes('BUSYGROUP')) throw error;
    });
    this.groupReady = true;
  }

  private async read(id: '0' | '>'): Promise<StreamEntry[]> {
    const { redis, stream, consumer, batchSize } = this.options;
    return readStreamEntries(await redis.xreadgroup('GROUP', FALLBACK_SYNC_GROUP, consumer, 'COUNT', batchSize, 'STREAMS', stream, id));
  }
}
