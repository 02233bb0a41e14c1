import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { waitFor } from '@ticketing/devstack/testing';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { changes, fileRedis, openRedis } from './support/queue-test-kit';

const file = fileRedis();
/** The stores' own client, so that its commands can be told apart from everyone else's on the shared Redis. */
let own: Redis;
/** Another connection to the same Redis, watching every command (MONITOR). */
let monitor: Redis;

beforeAll(async () => {
  own = await openRedis();
  // ioredis opens MONITOR on a connection of its own.
  monitor = await own.monitor();
});

afterAll(async () => {
  monitor.disconnect();
  await own.quit();
});

/** What `run` sends from `client`'s connection, as the commands' names. */
async function commandsDuring(client: Redis, run: () => Promise<unknown>): Promise<string[]> {
  const address = /addr=(\S+)/.exec(String(await client.client('INFO')))![1];
  const seen: string[] = [];
  const watch = (_time: string, args: string[], source: string) => {
    if (source === address) seen.push(args[0]!.toLowerCase());
  };
  monitor.on('monitor', watch);
  try {
    await run();
    // MONITOR reports a command once Redis has run it; a PING from the same client comes after them all.
    await client.ping();
    await waitFor('the PING after them', async () => seen.includes('ping') || undefined, 5_000, 20);
    return seen.filter((name) => name !== 'ping' && name !== 'client');
  } finally {
    monitor.off('monitor', watch);
  }
}

describe('joining the line in batches', () => {
  it('when 450 people join in the same instant (more than two batches), then each gets one place, in the order they asked, and the joins travel as three script runs', async () => {
    const prefix = file.prefixes.next();
    const store = new RedisQueueStore(own, { prefix, abandonAfterMs: 60_000 });
    const users = Array.from({ length: 450 }, (_, i) => `batch-${i}`);
    let issued: Awaited<ReturnType<RedisQueueStore['issue']>>[] = [];

    const sent = await commandsDuring(own, async () => {
      issued = await Promise.all(users.map((userId) => store.issue(userId, Date.now())));
    });

    expect(issued.map((token) => token.position)).toEqual(users.map((_, i) => i + 1));
    expect(issued.every((token) => token.created && token.status === 'WAITING')).toBe(true);
    expect(new Set(issued.map((token) => token.token)).size).toBe(users.length);
    // Batches of at most 200: 200 + 200 + 50. The first run of a script on a connection may be refused
    // (NOSCRIPT) and sent again as EVAL.
    const scriptRuns = sent.filter((name) => name === 'evalsha' || name === 'eval');
    expect(scriptRuns.length).toBeGreaterThanOrEqual(3);
    expect(scriptRuns.length).toBeLessThanOrEqual(4);
    // The line holds them in the order they asked, each at the place it was told.
    expect(await file.redis.zrange(`${prefix}waiting`, '0', '-1')).toEqual(issued.map((token) => token.token));
    // The Postgres copy hears of every one of them, one stream entry per script run.
    const recorded = await changes(file.redis, prefix);
    expect(recorded.filter((change) => change.status === 'WAITING').map((change) => change.userId)).toEqual(users);
    expect(await file.redis.xlen(`${prefix}changes`)).toBe(3);
  });

  it('when a person whose slot ran out rejoins between two newcomers in one batch, then the three queue in that order and each is told its real place', async () => {
    const prefix = file.prefixes.next();
    const store = new RedisQueueStore(own, { prefix, abandonAfterMs: 60_000 });
    const t0 = Date.now();
    await store.issue('back-again', t0);
    await store.admit({ maxActive: 1, activeTtlMs: 1, abandonBefore: 0, now: t0 });
    await store.issue('ahead', t0);

    // At t0 + 5 the slot has run out but no tick swept it: the rejoin retires it inside the batch.
    const [first, again, last] = await Promise.all([store.issue('newcomer-1', t0 + 5), store.issue('back-again', t0 + 5), store.issue('newcomer-2', t0 + 5)]);

    expect([first.position, again.position, last.position]).toEqual([2, 3, 4]);
    expect(again).toMatchObject({ created: true, status: 'WAITING' });
    const line = await file.redis.zrange(`${prefix}waiting`, '0', '-1');
    expect(line.slice(1)).toEqual([first.token, again.token, last.token]);
    expect(await file.redis.zcard(`${prefix}active`)).toBe(0);
  });

  it('when the same person asks twice in one batch, then the second answer is the first place (one place per user), and a later join queues behind it', async () => {
    const prefix = file.prefixes.next();
    const store = new RedisQueueStore(own, { prefix, abandonAfterMs: 60_000 });
    const now = Date.now();

    const [first, again, other] = await Promise.all([store.issue('twice', now), store.issue('twice', now), store.issue('other', now)]);

    expect(first).toMatchObject({ created: true, status: 'WAITING', position: 1 });
    expect(again).toMatchObject({ token: first.token, created: false, status: 'WAITING', position: 1 });
    expect(other).toMatchObject({ created: true, status: 'WAITING', position: 2 });
    expect(await store.counts(now)).toMatchObject({ waiting: 2 });
  });

  it('when one tick admits more people than one stream entry holds (1,000), then every admission reaches the change stream, in two entries', async () => {
    const prefix = file.prefixes.next();
    const store = new RedisQueueStore(own, { prefix, abandonAfterMs: 60_000 });
    const now = Date.now();
    const tokens = (await Promise.all(Array.from({ length: 1_200 }, (_, i) => store.issue(`many-${i}`, now)))).map((issued) => issued.token);
    const entriesBefore = await file.redis.xlen(`${prefix}changes`);

    const { admitted } = await store.admit({ maxActive: 1_200, activeTtlMs: 60_000, abandonBefore: 0, now });

    expect(admitted).toEqual(tokens);
    const active = (await changes(file.redis, prefix)).filter((change) => change.status === 'ACTIVE');
    expect(active.map((change) => change.token)).toEqual(tokens);
    expect(active.every((change) => change.userId.startsWith('many-') && change.activatedAt === now && change.expiresAt === now + 60_000)).toBe(true);
    expect(await file.redis.xlen(`${prefix}changes`)).toBe(entriesBefore + 2);
  });

  it('when Redis refuses a batch, then every join in it fails (none is answered with a place it did not get)', async () => {
    const prefix = file.prefixes.next();
    const closed = await openRedis();
    const store = new RedisQueueStore(closed, { prefix, abandonAfterMs: 60_000 });
    closed.disconnect();

    const results = await Promise.allSettled(['a', 'b', 'c'].map((userId) => store.issue(userId, Date.now())));

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await file.redis.exists(`${prefix}waiting`, `${prefix}seq`)).toBe(0);
  });
});
