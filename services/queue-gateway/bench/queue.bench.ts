import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { measureTicks, type TickFigures } from './admission-tick';
import { benchRedis, deleteUnder } from './bench-redis';
import { compareServers, startServer, type LoadFigures } from './issue-throughput';

/*
 * `npm run bench:queue` — not a test: the figures behind docs/PERFORMANCE.md.
 *  1. Token issue, same tool (autocannon), same concurrency, same run, interleaved rounds:
 *     baseline (bare http + one ZADD), the service-kit stack (Express chain, and fast lane) around that same ZADD, and the gateway's
 *     real POST /queue/tokens. Ratio gateway/baseline (target ≥ 0.7).
 *  2. One admission tick over 10k, 100k and 1M waiting users, for batches of 10, 100 and 1,000.
 * Settings: BENCH_CONNECTIONS (100), BENCH_SECONDS (8), BENCH_ROUNDS (3), BENCH_REDIS_URL (default: a
 * redis-server of its own, AOF on like the project's).
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZES = [10_000, 100_000, 1_000_000];
const BATCHES = [10, 100, 1_000];
// 9 ticks of each batch (9,990 users) still fit in the smallest line.
const TICKS = 9;

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const row = (name: string, f: LoadFigures, baseline: LoadFigures) =>
  `| ${name} | ${fmt(f.requestsPerSecond, 0)} | ${fmt(f.p50Ms)} | ${fmt(f.p99Ms)} | ${f.errors} | ${fmt(f.cpuMicrosPerRequest, 0)} | ${fmt(f.requestsPerSecond / baseline.requestsPerSecond, 2)} |`;

async function issueSection(url: string, prefix: string): Promise<string[]> {
  const env = { REDIS_URL: url, BENCH_PREFIX: prefix };
  const servers = [
    await startServer('baseline', 'baseline-server.ts', env),
    await startServer('floor', 'kit-floor-server.ts', env),
    await startServer('lane', 'fast-lane-floor-server.ts', env),
    await startServer('gateway', 'gateway-server.ts', env),
  ];
  try {
    const figures = await compareServers(servers, CONNECTIONS, SECONDS, ROUNDS);
    const [baseline, floor, lane, gateway] = [figures.get('baseline')!, figures.get('floor')!, figures.get('lane')!, figures.get('gateway')!];
    return [
      `Token issue: ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per server (median round), autocannon, Node ${process.version}, ${cpus().length} CPUs`,
      '',
      '| server | req/s | p50 ms | p99 ms | errors | server CPU µs/req | req/s × baseline |',
      '|---|---|---|---|---|---|---|',
      row('baseline: bare `http` + one ZADD', baseline, baseline),
      row('service-kit app (Express chain) + one ZADD', floor, baseline),
      row('service-kit fast lane + one ZADD', lane, baseline),
      row('gateway: `POST /queue/tokens`', gateway, baseline),
      '',
      `ratio gateway/baseline: ${fmt(gateway.requestsPerSecond / baseline.requestsPerSecond, 2)} req/s (target ≥ 0.7), ${fmt(baseline.cpuMicrosPerRequest / gateway.cpuMicrosPerRequest, 2)} by CPU per request`,
      `ratio gateway/service-kit floor: ${fmt(gateway.requestsPerSecond / floor.requestsPerSecond, 2)} req/s, ${fmt(floor.cpuMicrosPerRequest / gateway.cpuMicrosPerRequest, 2)} by CPU per request`,
      `ratio gateway/fast-lane floor: ${fmt(gateway.requestsPerSecond / lane.requestsPerSecond, 2)} req/s (what the queue's own work costs)`,
    ];
  } finally {
    for (const server of servers) server.stop();
  }
}

async function tickSection(redis: Redis, prefix: string, ownServer: boolean): Promise<string[]> {
  // Filling a million users grows the AOF past the automatic-rewrite threshold, and the rewrite's fork
  // makes every later write fault pages (copy-on-write): on a VM that slowed 1M-line ticks ~10× for as
  // long as we measured. That is a property of forking a large Redis, not of the script, so on our own
  // server the automatic rewrite is off while the ticks are measured (see docs/PERFORMANCE.md).
  if (ownServer) await redis.config('SET', 'auto-aof-rewrite-percentage', '0');
  const ticks: TickFigures[] = [];
  for (const size of SIZES) {
    ticks.push(...(await measureTicks(redis, `${prefix}${size}:`, size, BATCHES, TICKS, ownServer)));
    await deleteUnder(redis, prefix);
  }
  return [
    `Admission tick (one Lua script): ${TICKS} ticks per cell, median round trip and, on the benchmark's own Redis, median time inside Redis`,
    '',
    '| waiting users | batch | round trip p50 ms | round trip max ms | in Redis p50 ms |',
    '|---|---|---|---|---|',
    ...ticks.map((t) => `| ${t.waiting.toLocaleString('en')} | ${t.batch.toLocaleString('en')} | ${fmt(t.p50Ms, 2)} | ${fmt(t.maxMs, 2)} | ${t.redisP50Ms === undefined ? 'n/a' : fmt(t.redisP50Ms, 2)} |`),
  ];
}

async function main(): Promise<void> {
  const server = await benchRedis();
  const redis = new Redis(server.url, { lazyConnect: true });
  const prefix = `bench:${randomUUID()}:`;
  try {
    await redis.connect();
    const issue = await issueSection(server.url, prefix);
    await deleteUnder(redis, prefix);
    const ticks = await tickSection(redis, prefix, server.owned);
    process.stdout.write(`${[...issue, '', ...ticks].join('\n')}\n`);
  } finally {
    await deleteUnder(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
