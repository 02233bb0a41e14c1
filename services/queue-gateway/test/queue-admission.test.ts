import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { startTcpProxy } from '@ticketing/devstack';
import { waitFor } from '@ticketing/devstack/testing';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { startAdmission, type Admission } from '../src/entry-points/jobs/admission.job';
import { changes, defaultConfig, deleteKeysUnder, REDIS_URL, silentLogger, fileRedis } from './support/queue-test-kit';

const file = fileRedis();
const prefixes = file.prefixes;

const newStore = (prefix: string) => new RedisQueueStore(file.redis, { prefix, abandonAfterMs: 60_000 });

describe('admission', () => {
  it('when two admitters run at once while users keep arriving and leaving, then active never exceeds the max and users are admitted in arrival order', async () => {
    const prefix = prefixes.next();
    const maxActive = 5;
    const config = defaultConfig(prefix, { QUEUE_MAX_ACTIVE: maxActive, QUEUE_ADMISSION_INTERVAL_MS: 50 });
    const store = newStore(prefix);
    const users = Array.from({ length: 60 }, (_, i) => `arrival-${i}`);
    for (const userId of users.slice(0, 10)) await store.issue(userId, Date.now());
    const ticksBy: [string[], string[]] = [[], []];
    const activeAfterTick: number[] = [];
    const admitters: Admission[] = [];
    let sampling = true;
    let mostActive = 0;

    // Two gateway instances, each with its own BullMQ connections and worker.
    for (const ticks of ticksBy) {
      admitters.push(startAdmission({ redisTarget: { url: REDIS_URL }, store, config, logger: silentLogger(), onTick: (result, jobId) => {
        ticks.push(jobId);
        activeAfterTick.push(result.active);
      } }));
    }
    const sampler = (async () => {
      while (sampling) {
        mostActive = Math.max(mostActive, await file.redis.zcard(`${prefix}active`));
        await sleep(2);
      }
    })();
    const arrivals = (async () => {
      for (const userId of users.slice(10)) {
        await store.issue(userId, Date.now());
        await sleep(5);
      }
    })();
    // Admitted users finish quickly (leave), so slots keep turning over while others arrive.
    const leavers = (async () => {
      while (sampling) {
        const [oldest] = await file.redis.zrange(`${prefix}active`, '0', '0');
        if (oldest) await store.leave(oldest, Date.now());
        await sleep(15);
      }
    })();
    await arrivals;
    await waitFor('every user admitted', async () => ((await changes(file.redis, prefix)).filter((c) => c.status === 'ACTIVE').length === users.length ? true : undefined));
    sampling = false;
    await Promise.all([sampler, leavers, ...admitters.map((a) => a.close())]);

    const recorded = await changes(file.redis, prefix);
    const arrived = recorded.filter((c) => c.status === 'WAITING').map((c) => c.userId);
    const admitted = recorded.filter((c) => c.status === 'ACTIVE').map((c) => c.userId);
    expect(mostActive).toBeLessThanOrEqual(maxActive);
    expect(Math.max(...activeAfterTick)).toBe(maxActive); // the line really pressed against the limit
    expect(arrived).toEqual(users);
    expect(admitted).toEqual(users);
    expect(ticksBy[0].filter((id) => ticksBy[1].includes(id))).toEqual([]);
    expect(Number(await file.redis.hget(`${prefix}stats`, 'admittedTotal'))).toBe(users.length);
  });

  it('when ten admission ticks run at the same instant, then exactly the free slots are filled, from the head of the line', async () => {
    const prefix = prefixes.next();
    const store = newStore(prefix);
    const tokens: string[] = [];
    for (let i = 0; i < 50; i++) tokens.push((await store.issue(`burst-${i}`, Date.now())).token);
    const now = Date.now();

    const results = await Promise.all(Array.from({ length: 10 }, () => store.admit({ maxActive: 7, activeTtlMs: 60_000, abandonBefore: 0, now })));

    expect(results.flatMap((r) => r.admitted).sort()).toEqual(tokens.slice(0, 7).sort());
    expect(results.filter((r) => r.admitted.length > 0)).toHaveLength(1);
    expect(results.find((r) => r.admitted.length > 0)?.admitted).toEqual(tokens.slice(0, 7));
    expect(await file.redis.zrange(`${prefix}active`, '0', '-1')).toEqual(expect.arrayContaining(tokens.slice(0, 7)));
    expect(await file.redis.zcard(`${prefix}active`)).toBe(7);
    expect(await file.redis.zrange(`${prefix}waiting`, '0', '0')).toEqual([tokens[7]]);
  });

  it('when an active slot passes its TTL, then the next tick retires it (EXPIRED recorded) and admits the next user', async () => {
    const prefix = prefixes.next();
    const store = newStore(prefix);
    const t0 = Date.now();
    const first = await store.issue('first', t0);
    const second = await store.issue('second', t0);
    await store.admit({ maxActive: 1, activeTtlMs: 1_000, abandonBefore: 0, now: t0 });

    const tick = await store.admit({ maxActive: 1, activeTtlMs: 1_000, abandonBefore: 0, now: t0 + 1_000 });

    expect(tick.admitted).toEqual([second.token]);
    expect(await store.lookup(first.token, t0 + 1_000)).toBeUndefined();
    expect(await store.lookup(second.token, t0 + 1_000)).toMatchObject({ status: 'ACTIVE', position: 0, expiresAt: t0 + 2_000 });
    expect(await file.redis.zrange(`${prefix}active`, '0', '-1')).toEqual([second.token]);
    expect(await file.redis.exists(`${prefix}t:${first.token}`, `${prefix}u:first`)).toBe(0);
    expect((await changes(file.redis, prefix)).map((c) => [c.userId, c.status])).toEqual([
      ['first', 'WAITING'], ['second', 'WAITING'], ['first', 'ACTIVE'], ['first', 'EXPIRED'], ['second', 'ACTIVE'],
    ]);
  });

  it('when ten users are admitted every second for a minute, then the measured rate converges on 10 per second', async () => {
    const prefix = prefixes.next();
    const store = newStore(prefix);
    const t0 = Date.now();
    for (let second = 0; second <= 60; second++) {
      const now = t0 + second * 1_000;
      for (let i = 0; i < 10; i++) await store.issue(`steady-${second}-${i}`, now);
      await store.admit({ maxActive: 10, activeTtlMs: 500, abandonBefore: 0, now });
    }

    const { admissionRatePerSecond } = await store.counts(t0 + 60_000);

    // An EWMA over a 30 s window after 60 s of a steady 10/s: 10 · (1 − e^−2) ≈ 8.65.
    expect(admissionRatePerSecond).toBeCloseTo(10 * (1 - Math.exp(-2)), 1);
  });

  it('when Redis loses the tick scheduler (flushed, or back without its AOF), then admission re-creates it and users are admitted again', async () => {
    const prefix = prefixes.next();
    const store = newStore(prefix);
    const admission = startAdmission({
      redisTarget: { url: REDIS_URL },
      store,
      config: defaultConfig(prefix, { QUEUE_ADMISSION_INTERVAL_MS: 50 }),
      logger: silentLogger(),
      healIntervalMs: 100,
    });
    try {
      await store.issue('before-the-loss', Date.now());
      await waitFor('the first user to be admitted', async () => ((await store.counts(Date.now())).active === 1 ? true : undefined), 10_000);

      await deleteKeysUnder(file.redis, `${prefix}bull`);
      await store.issue('after-the-loss', Date.now());

      await waitFor('the user who came after the loss to be admitted', async () => ((await store.counts(Date.now())).active === 2 ? true : undefined), 10_000);
      expect((await store.counts(Date.now())).waiting).toBe(0);
    } finally {
      await admission.close();
    }
  });

  it('when Redis is unreachable as a gateway starts, then admission starts at once, its ticks begin once Redis answers, and it closes without waiting for Redis', async () => {
    const prefix = prefixes.next();
    const store = newStore(prefix);
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy(Number(target.port), target.hostname);
    await proxy.cut();
    const throughProxy = `redis://127.0.0.1:${proxy.port}`;
    try {
      // Synchronous: nothing in it waits for Redis.
      const admission = startAdmission({ redisTarget: { url: throughProxy }, store, config: defaultConfig(prefix, { QUEUE_ADMISSION_INTERVAL_MS: 50 }), logger: silentLogger(), healIntervalMs: 100 });
      await store.issue('during-the-outage', Date.now());
      await sleep(500);
      expect((await store.counts(Date.now())).active).toBe(0);

      await proxy.restore();
      await waitFor('the tick to admit the user once Redis answers', async () => ((await store.counts(Date.now())).active === 1 ? true : undefined), 15_000);

      await proxy.cut();
      await admission.close();
      // A second instance that starts and stops inside an outage has nothing to wait for either.
      await startAdmission({ redisTarget: { url: throughProxy }, store, config: defaultConfig(prefix), logger: silentLogger() }).close();
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('when admission closes twice, then the second close is a no-op', async () => {
    const prefix = prefixes.next();
    const admission = startAdmission({ redisTarget: { url: REDIS_URL }, store: newStore(prefix), config: defaultConfig(prefix), logger: silentLogger() });

    await admission.close();

    await expect(admission.close()).resolves.toBeUndefined();
  });
});
