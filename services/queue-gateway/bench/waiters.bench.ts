import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { benchRedis, deleteUnder } from './bench-redis';

/*
 * `npm run bench:waiters` — not a test: the "connected waiters" row of docs/PERFORMANCE.md.
 * BENCH_WAITERS (10,000) users wait on one gateway process with a long-poll each (their own connection),
 * beside a bare `http` server holding as many unanswered requests (the baseline). Printed: the server's
 * RSS per waiter (after a full GC) for both and their ratio; how long a single admission takes to reach
 * its waiter (20 in a row); and how long one admission batch of BENCH_BATCH (1,000) takes from the
 * admission script's start to the last of those long-polls answered.
 */
const WAITERS = Number(process.env.BENCH_WAITERS ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);
const OPEN_AT_ONCE = 500;
/** Single admissions measured one by one before the batch. */
const SINGLES = 20;

interface Child {
  url: URL;
  stats: () => Promise<{ rss: number; waiters: number }>;
  stop: () => void;
}

async function startChild(server: 'gateway' | 'bare', env: NodeJS.ProcessEnv): Promise<Child> {
  const child = fork(join(__dirname, 'waiting-room-server.ts'), [], {
    env: { ...process.env, ...env, BENCH_SERVER: server },
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the ${server} server exited (${code}) before listening`)));
  });
  const stats = async () => {
    child.send('stats');
    const [message] = (await once(child, 'message')) as [{ rss: number; waiters: number }];
    return message;
  };
  return { url: new URL(url), stats, stop: () => child.kill('SIGKILL') };
}

/** Opens one long-poll per token, each on its own connection; `onAnswer` hears each answer's status. */
function openLongPolls(url: URL, tokens: string[], onAnswer: (body: string) => void): Promise<ClientRequest[]> {
  const requests: ClientRequest[] = [];
  return (async () => {
    for (let start = 0; start < tokens.length; start += OPEN_AT_ONCE) {
      for (const token of tokens.slice(start, start + OPEN_AT_ONCE)) {
        const req = request({ host: url.hostname, port: url.port, path: '/queue/tokens/me?wait=60', agent: false, headers: { 'x-queue-token': token } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => onAnswer(body));
        });
        req.on('error', () => undefined);
        req.end();
        requests.push(req);
      }
      await sleep(50);
    }
    return requests;
  })();
}

async function untilWaiters(child: Child, n: number): Promise<{ rss: number; waiters: number }> {
  for (let i = 0; i < 600; i++) {
    const stats = await child.stats();
    if (stats.waiters >= n) return stats;
    await sleep(100);
  }
  throw new Error(`only ${(await child.stats()).waiters} of ${n} waiters connected`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const redisServer = await benchRedis();
  const redis = new Redis(redisServer.url);
  const prefix = `bench-waiters:${randomUUID()}:`;
  const store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 600_000 });
  const lines: string[] = [];
  try {
    const tokens: string[] = [];
    for (let start = 0; start < WAITERS; start += 1_000) {
      const issued = await Promise.all(Array.from({ length: Math.min(1_000, WAITERS - start) }, (_, i) => store.issue(`w${start + i}`, Date.now())));
      tokens.push(...issued.map((t) => t.token));
    }

    const perWaiter: Record<string, number> = {};
    let fanOutMs = 0;
    const singleMs: number[] = [];
    for (const kind of ['bare', 'gateway'] as const) {
      const child = await startChild(kind, { REDIS_URL: redisServer.url, BENCH_PREFIX: prefix });
      const before = await child.stats();
      let admitted = 0;
      let lastAnswerAt = 0;
      const requests = await openLongPolls(child.url, tokens, (body) => {
        if (body.includes('"ACTIVE"')) admitted++;
        lastAnswerAt = performance.now();
      });
      const held = kind === 'bare' ? await (async () => { await sleep(2_000); return child.stats(); })() : await untilWaiters(child, WAITERS);
      perWaiter[kind] = (held.rss - before.rss) / WAITERS;
      if (kind === 'gateway') {
        // One slot at a time first: how long a single freed slot takes to reach its waiter.
        for (let slot = 1; slot <= SINGLES; slot++) {
          const started = performance.now();
          await store.admit({ maxActive: slot, activeTtlMs: 300_000, abandonBefore: 0, now: Date.now() });
          while (admitted < slot && performance.now() - started < 10_000) await sleep(0);
          singleMs.push(lastAnswerAt - started);
        }
        const started = performance.now();
        await store.admit({ maxActive: SINGLES + BATCH, activeTtlMs: 300_000, abandonBefore: 0, now: Date.now() });
        while (admitted < SINGLES + BATCH && performance.now() - started < 30_000) await sleep(1);
        fanOutMs = lastAnswerAt - started;
        if (admitted < SINGLES + BATCH) throw new Error(`only ${admitted - SINGLES} of ${BATCH} admitted long-polls were answered`);
      }
      for (const req of requests) req.destroy();
      child.stop();
    }
    lines.push(
      `Connected waiters: ${WAITERS} long-polls, one connection each, on one process (RSS growth after a full GC, per waiter)`,
      '| server | RSS per waiter | ratio |',
      '|---|---:|---:|',
      `| bare http, requests parked unanswered (baseline) | ${(perWaiter.bare! / 1024).toFixed(1)} KiB | 1.00 |`,
      `| gateway: queue routes + waiting room on the feed | ${(perWaiter.gateway! / 1024).toFixed(1)} KiB | ${(perWaiter.gateway! / perWaiter.bare!).toFixed(2)} |`,
      '',
      `One admission at a time (${SINGLES} in a row, ${WAITERS} connected): the admitted waiter's long-poll answered a median ${median(singleMs).toFixed(1)} ms (max ${Math.max(...singleMs).toFixed(1)} ms) after the admission script was sent.`,
      '',
      `Fan-out of one admission batch: ${BATCH} of the ${WAITERS} admitted by one admission script, the last of their long-polls answered ${fanOutMs.toFixed(0)} ms after the script was sent (script + pub/sub + ${BATCH} HTTP answers).`,
    );
  } finally {
    await deleteUnder(redis, prefix);
    redis.disconnect();
    await redisServer.stop();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
