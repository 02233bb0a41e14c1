import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { linePrefix, tokenPrefixOf } from '../src/domain/queue-line';
import { benchRedis, deleteUnder, waitForQuietPersistence } from './bench-redis';

/*
 * `npm run bench:scale` — not a test: the figures behind docs/SCALING.md. On a redis-server of its own
 * (the project's settings, AOF on), through the gateway's real store and Lua scripts:
 *  1. fills one concert's line with 1,000,000 waiters and ten more lines with 100,000 each, joining with
 *     the real issue script (token hash, user key, change-stream entry), pipelined; joins per second and
 *     the time Redis spends per join;
 *  2. Redis memory per waiter (with and without the change stream, which the Postgres copy trims);
 *  3. position/ETA look-ups of random waiters of the 1M line: round trip p50/p99 and time in Redis;
 *  4. the admission tick over the 1M line (batches of 100 and 1,000);
 *  5. the presence check of connected waiters (batches of 500, as each gateway process sends them).
 * Push fan-out to connected waiters is `npm run bench:waiters` (one gateway process, 10,000 connections).
 * Settings: BENCH_BIG (1,000,000), BENCH_LINES (10), BENCH_LINE_SIZE (100,000), BENCH_REDIS_URL.
 */
const BIG = Number(process.env.BENCH_BIG ?? 1_000_000);
const LINES = Number(process.env.BENCH_LINES ?? 10);
const LINE_SIZE = Number(process.env.BENCH_LINE_SIZE ?? 100_000);
const CONCURRENT_JOINS = 2_000;
const LOOKUPS = 2_000;
const TICKS = 9;
const PRESENCE_BATCHES = 20;

const fmt = (n: number, digits = 1) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!;

/** Calls and microseconds Redis has spent in EVALSHA so far (its own command statistics). */
async function evalsha(redis: Redis): Promise<{ calls: number; usec: number }> {
  const match = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redis.info('commandstats'));
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}
const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

/** `size` users join the line, CONCURRENT_JOINS at a time (ioredis pipelines them on the one connection). */
async function fillLine(store: RedisQueueStore, line: string, size: number): Promise<string[]> {
  const tokens: string[] = new Array(size);
  const now = Date.now();
  for (let start = 0; start < size; start += CONCURRENT_JOINS) {
    const batch = Array.from({ length: Math.min(CONCURRENT_JOINS, size - start) }, (_, i) => store.issue(`${line.slice(0, 8)}-${start + i}`, now));
    (await Promise.all(batch)).forEach((issued, i) => (tokens[start + i] = issued.token));
  }
  return tokens;
}

async function main(): Promise<void> {
  const server = await benchRedis();
  const redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
  const base = 'bench-scale:';
  const lines: string[] = [];
  try {
    // A million joins grow the AOF past the automatic-rewrite threshold; its fork would land in the
    // measurements (see docs/PERFORMANCE.md), so it is off on our own server.
    if (server.owned) await redis.config('SET', 'auto-aof-rewrite-percentage', '0');
    const storeOf = (line: string) => new RedisQueueStore(redis, { prefix: linePrefix(base, line), abandonAfterMs: 3_600_000, tokenPrefix: tokenPrefixOf(line) });
    const memoryBefore = await usedMemory(redis);

    const bigLine = '00000000-0000-4000-8000-000000000000';
    const joinStats = await evalsha(redis);
    const fillStarted = process.hrtime.bigint();
    lines.push(bigLine);
    const bigTokens = await fillLine(storeOf(bigLine), bigLine, BIG);
    for (let i = 1; i <= LINES; i++) {
      const line = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      lines.push(line);
      await fillLine(storeOf(line), line, LINE_SIZE);
    }
    const fillSeconds = Number(process.hrtime.bigint() - fillStarted) / 1e9;
    const joins = BIG + LINES * LINE_SIZE;
    const joinedStats = await evalsha(redis);
    // Per join, not per script run: one run carries a whole batch of joins.
    const joinMicros = (joinedStats.usec - joinStats.usec) / joins;

    await waitForQuietPersistence(redis);
    const memoryAfter = await usedMemory(redis);
    const streams = await Promise.all(lines.map((line) => redis.memory('USAGE', `${linePrefix(base, line)}changes`)));
    const streamBytes = streams.reduce<number>((sum, bytes) => sum + Number(bytes ?? 0), 0);
    const perWaiter = (memoryAfter - memoryBefore) / joins;
    const perWaiterNoStream = (memoryAfter - memoryBefore - streamBytes) / joins;

    // Look-ups of random waiters of the big line, one at a time (a long-poll's or a status call's read).
    const big = storeOf(bigLine);
    const lookups: number[] = [];
    const lookupStats = await evalsha(redis);
    for (let i = 0; i < LOOKUPS; i++) {
      const token = bigTokens[Math.floor(Math.random() * bigTokens.length)]!;
      const started = process.hrtime.bigint();
      const view = await big.lookup(token, Date.now(), { touch: true });
      lookups.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (view?.status !== 'WAITING') throw new Error(`waiter ${token} is ${view?.status ?? 'gone'}`);
    }
    const lookedUp = await evalsha(redis);
    const lookupMicros = (lookedUp.usec - lookupStats.usec) / (lookedUp.calls - lookupStats.calls);

    // Presence checks: batches of 500 connected waiters (what one gateway process sends every 15 s).
    const presence: number[] = [];
    const presenceStats = await evalsha(redis);
    for (let b = 0; b < PRESENCE_BATCHES; b++) {
      const batch = Array.from({ length: 500 }, () => bigTokens[Math.floor(Math.random() * bigTokens.length)]!);
      const started = process.hrtime.bigint();
      await big.touch(batch, Date.now());
      presence.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const presenced = await evalsha(redis);
    const presenceMicrosPerWaiter = (presenced.usec - presenceStats.usec) / (presenced.calls - presenceStats.calls) / 500;

    // Admission ticks over the big line.
    const ticks: { batch: number; p50: number; max: number; inRedis: number }[] = [];
    let active = 0;
    for (const batch of [100, 1_000]) {
      const times: number[] = [];
      const inRedis: number[] = [];
      for (let t = 0; t < TICKS; t++) {
        const before = await evalsha(redis);
        const now = Date.now();
        const started = process.hrtime.bigint();
        const result = await big.admit({ maxActive: active + batch, activeTtlMs: 3_600_000, abandonBefore: now - 3_600_000, now });
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        inRedis.push(((await evalsha(redis)).usec - before.usec) / 1_000);
        active = result.active;
      }
      ticks.push({ batch, p50: quantile(times, 0.5), max: Math.max(...times), inRedis: quantile(inRedis, 0.5) });
    }

    process.stdout.write(
      [
        `Scale benchmark: ${fmt(BIG, 0)} waiters in one concert's line and ${LINES} lines of ${fmt(LINE_SIZE, 0)}, on ${server.owned ? 'its own redis-server (AOF on, everysec)' : server.url}; Node ${process.version}, ${cpus().length} CPUs`,
        '',
        '| figure | value |',
        '|---|---|',
        `| joins (issue script, ${CONCURRENT_JOINS} in flight, one client) | ${fmt(joins, 0)} in ${fmt(fillSeconds)} s = ${fmt(joins / fillSeconds, 0)} joins/s |`,
        `| time in Redis per join | ${fmt(joinMicros, 1)} µs |`,
        `| Redis memory per waiter, all keys | ${fmt(perWaiter, 0)} B (${fmt((memoryAfter - memoryBefore) / 2 ** 20, 0)} MiB for ${fmt(joins, 0)}) |`,
        `| of which the change streams | ${fmt(streamBytes / joins, 0)} B per waiter (${fmt(streamBytes / 2 ** 20, 0)} MiB); without them ${fmt(perWaiterNoStream, 0)} B |`,
        `| position/ETA look-up in the 1M line, round trip p50 / p99 | ${fmt(quantile(lookups, 0.5), 3)} / ${fmt(quantile(lookups, 0.99), 3)} ms (${fmt(lookupMicros, 1)} µs in Redis) |`,
        `| presence check of 500 connected waiters, round trip p50 / max | ${fmt(quantile(presence, 0.5), 2)} / ${fmt(Math.max(...presence), 2)} ms (${fmt(presenceMicrosPerWaiter, 2)} µs per waiter in Redis) |`,
        ...ticks.map((t) => `| admission tick of ${fmt(t.batch, 0)} over the 1M line, p50 / max (in Redis p50) | ${fmt(t.p50, 2)} / ${fmt(t.max, 2)} ms (${fmt(t.inRedis, 2)} ms) |`),
      ].join('\n') + '\n',
    );
  } finally {
    // Our own server goes away with its directory; on a given one only our keys are removed.
    if (!server.owned) await deleteUnder(redis, base).catch(() => undefined);
    redis.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
