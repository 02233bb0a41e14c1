import { describe, expect, it } from '@jest/globals';
import { IssueTokenResponse, TokenStatusResponse } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { startAdmission } from '../src/entry-points/jobs/admission.job';
import { call, changes, defaultConfig, REDIS_URL, silentLogger, startQueueApp, fileRedis } from './support/queue-test-kit';

const file = fileRedis();
const prefixes = file.prefixes;

describe('abandonment', () => {
  it('when waiting users stop polling, then the admitter drops them and the users who keep polling move up', async () => {
    const prefix = prefixes.next();
    const config = defaultConfig(prefix, { QUEUE_MAX_ACTIVE: 1, QUEUE_ABANDON_AFTER_SECONDS: 1, QUEUE_ADMISSION_INTERVAL_MS: 100 });
    const queue = await startQueueApp(file.redis, config);
    const admission = startAdmission({ redisTarget: { url: REDIS_URL }, store: queue.store, config, logger: silentLogger() });
    const issue = async (userId: string) => IssueTokenResponse.parse((await call(queue.server, 'POST', '/queue/tokens', { body: { userId } })).body).token;
    const me = (token: string) => call(queue.server, 'GET', '/queue/tokens/me', { token });
    // The holder takes the only slot, so everyone else stays in line for the whole test.
    const holder = await issue('holder');
    await waitFor('holder admitted', async () => ((await queue.store.lookup(holder, Date.now()))?.status === 'ACTIVE' ? true : undefined));
    const [goneA, goneB, keptC, keptD] = [await issue('gone-a'), await issue('gone-b'), await issue('kept-c'), await issue('kept-d')];

    let polling = true;
    const pollers = (async () => {
      while (polling) await Promise.all([me(keptC), me(keptD), new Promise((r) => setTimeout(r, 200))]);
    })();
    await waitFor('silent users dropped', async () => ((await file.redis.exists(`${prefix}t:${goneA}`, `${prefix}t:${goneB}`)) === 0 ? true : undefined), 20_000);
    polling = false;
    await pollers;
    await admission.close();

    expect(await file.redis.zrange(`${prefix}waiting`, '0', '-1')).toEqual([keptC, keptD]);
    expect(TokenStatusResponse.parse((await me(keptC)).body)).toMatchObject({ status: 'WAITING', position: 1 });
    expect(TokenStatusResponse.parse((await me(keptD)).body)).toMatchObject({ status: 'WAITING', position: 2 });
    expect((await me(goneA)).status).toBe(401);
    expect((await me(goneB)).status).toBe(401);
    expect(await file.redis.exists(`${prefix}u:gone-a`, `${prefix}u:gone-b`)).toBe(0);
    expect(await file.redis.zscore(`${prefix}seen`, goneA)).toBeNull();
    expect((await queue.store.lookup(holder, Date.now()))?.status).toBe('ACTIVE');
    const expired = (await changes(file.redis, prefix)).filter((c) => c.status === 'EXPIRED').map((c) => c.userId);
    expect(expired.sort()).toEqual(['gone-a', 'gone-b']);
    await queue.close();
  });

  it('when people wait, from the start or from the pre-queue, then their keys have no expiry: they live as long as the place, and the sweep of silent waiters removes them', async () => {
    const prefix = prefixes.next();
    const store = new RedisQueueStore(file.redis, { prefix, abandonAfterMs: 1_000 });
    const t0 = Date.now();
    const keysOf = (userId: string, token: string) => [`${prefix}u:${userId}`, `${prefix}t:${token}`];
    const ttls = (keys: string[]) => Promise.all(keys.map((key) => file.redis.pttl(key)));
    const waiting = keysOf('in-line', (await store.issue('in-line', t0)).token);
    const early = keysOf('early', (await store.issue('early', t0, t0 + 50)).token);

    // Before the opening a pre-queue token's keys lapse unless the opening takes them in; at it, they stay.
    expect((await ttls(early)).every((ttl) => ttl > 0)).toBe(true);
    await store.lookup('-', t0 + 100);
    expect(await ttls([...waiting, ...early])).toEqual([-1, -1, -1, -1]);

    // Nobody polled: one tick past the abandonment window ends both places and their keys.
    expect((await store.admit({ maxActive: 0, activeTtlMs: 1_000, abandonBefore: t0 + 1_000, now: t0 + 1_100 })).dropped).toBe(2);
    expect(await file.redis.exists(...waiting, ...early)).toBe(0);
  });

  it('when more users went silent than one tick sweeps, then each tick drops a bounded batch until all are gone', async () => {
    const prefix = prefixes.next();
    const store = new RedisQueueStore(file.redis, { prefix, abandonAfterMs: 1_000 });
    const t0 = Date.now();
    for (let i = 0; i < 7; i++) await store.issue(`silent-${i}`, t0);
    const survivor = await store.issue('survivor', t0 + 5_000);
    const tick = () => store.admit({ maxActive: 0, activeTtlMs: 1_000, abandonBefore: t0 + 1_000, now: t0 + 6_000, maxDrop: 3 });

    const dropped = [(await tick()).dropped, (await tick()).dropped, (await tick()).dropped, (await tick()).dropped];

    expect(dropped).toEqual([3, 3, 1, 0]);
    expect(await file.redis.zrange(`${prefix}waiting`, '0', '-1')).toEqual([survivor.token]);
    expect(await store.lookup(survivor.token, t0 + 6_000)).toMatchObject({ status: 'WAITING', position: 1 });
  });
});
