import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startRedisServer, stopProcess } from '@ticketing/devstack';
import { freePort } from '@ticketing/devstack/testing';

export interface BenchRedis {
  url: string;
  /** True when the benchmark started this server (and may read and reset its statistics). */
  owned: boolean;
  stop: () => Promise<void>;
}

/**
 * The Redis the benchmark measures against: BENCH_REDIS_URL when given, otherwise a redis-server of its
 * own with the project's settings (AOF on, fsync every second) in a temporary directory. An own server
 * keeps other users of the project Redis (tests, other services) out of the figures, and lets the tick
 * benchmark read Redis's own per-command timings.
 */
export async function benchRedis(): Promise<BenchRedis> {
  const given = process.env.BENCH_REDIS_URL;
  if (given) return { url: given, owned: false, stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'queue-bench-redis-'));
  const { pid, url } = await startRedisServer({ port: await freePort(), dir });
  return {
    url,
    owned: true,
    stop: async () => {
      await stopProcess(pid, join(dir, 'redis.pid'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits out an AOF rewrite (a fork that slows Redis down) so it does not land inside a measurement. */
export async function waitForQuietPersistence(redis: Redis): Promise<void> {
  for (;;) {
    const info = await redis.info('persistence');
    if (!/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1|rdb_bgsave_in_progress:1/.test(info)) return;
    await sleep(200);
  }
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS). */
export async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
