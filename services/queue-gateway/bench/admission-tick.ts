import type { Redis } from 'ioredis';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { waitForQuietPersistence } from './bench-redis';

export interface TickFigures {
  waiting: number;
  batch: number;
  /** Median round trip of one `admit` call as the admission job sees it. */
  p50Ms: number;
  maxMs: number;
  /** Median time Redis spent running the script (its own commandstats), when the server is ours. */
  redisP50Ms?: number;
}

const FILL_CHUNK = 1_000;

/**
 * Puts `size` users in line the fast way (multi-member ZADDs, pipelined in chunks) with the keys the
 * admission script reads: the waiting and last-seen sets for everyone, and token hashes for the head of
 * the line, which is all a tick ever pops in this benchmark.
 */
async function fill(redis: Redis, prefix: string, size: number, headWithHashes: number, now: number): Promise<void> {
  for (let start = 0; start < size; start += FILL_CHUNK * 20) {
    const pipeline = redis.pipeline();
    for (let chunk = start; chunk < Math.min(size, start + FILL_CHUNK * 20); chunk += FILL_CHUNK) {
      const waiting: (string | number)[] = [];
      const seen: (string | number)[] = [];
      for (let i = chunk; i < Math.min(size, chunk + FILL_CHUNK); i++) {
        waiting.push(i + 1, `u${i}`);
        seen.push(now, `u${i}`);
      }
      pipeline.zadd(`${prefix}waiting`, ...waiting).zadd(`${prefix}seen`, ...seen);
    }
    await pipeline.exec();
  }
  const hashes = redis.pipeline();
  for (let i = 0; i < headWithHashes; i++) {
    hashes.hset(`${prefix}t:u${i}`, { userId: `user-${i}`, status: 'WAITING', issuedAt: now, activatedAt: '', expiresAt: '' });
  }
  await hashes.exec();
  await redis.set(`${prefix}seq`, size);
}

/** Total microseconds Redis has spent in EVALSHA so far. */
async function evalshaMicros(redis: Redis): Promise<number> {
  const match = /cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await redis.info('commandstats'));
  return Number(match?.[1] ?? 0);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** `ticks` admission ticks of each batch size over a line of `size` users. */
export async function measureTicks(redis: Redis, prefix: string, size: number, batches: readonly number[], ticks: number, ownServer: boolean): Promise<TickFigures[]> {
  const now = Date.now();
  await fill(redis, prefix, size, batches.reduce((sum, batch) => sum + batch * ticks, 0), now);
  await waitForQuietPersistence(redis);
  const store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 60_000 });
  const figures: TickFigures[] = [];
  let active = 0;
  for (const batch of batches) {
    const roundTrips: number[] = [];
    const inRedis: number[] = [];
    for (let t = 0; t < ticks; t++) {
      const before = ownServer ? await evalshaMicros(redis) : 0;
      const started = process.hrtime.bigint();
      // maxActive one batch above what is active, so every tick admits exactly `batch` users.
      const result = await store.admit({ maxActive: active + batch, activeTtlMs: 3_600_000, abandonBefore: now - 60_000, now });
      roundTrips.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (ownServer) inRedis.push(((await evalshaMicros(redis)) - before) / 1_000);
      if (result.admitted.length !== batch) throw new Error(`tick admitted ${result.admitted.length}, expected ${batch}`);
      active = result.active;
    }
    figures.push({
      waiting: size,
      batch,
      p50Ms: median(roundTrips),
      maxMs: Math.max(...roundTrips),
      ...(ownServer ? { redisP50Ms: median(inRedis) } : {}),
    });
  }
  return figures;
}
