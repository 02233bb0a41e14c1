import { describe, expect, it } from '@jest/globals';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { changes, fileRedis } from './support/queue-test-kit';

const file = fileRedis();
const prefixes = file.prefixes;

const admitAll = (store: RedisQueueStore, now: number) => store.admit({ maxActive: 10, activeTtlMs: 60_000, abandonBefore: 0, now });

describe('RedisQueueStore.expireUser', () => {
  it('when the user holds an active slot, then it frees the slot, records EXPIRED once, and a repeat is a no-op', async () => {
    const prefix = prefixes.next();
    const store = new RedisQueueStore(file.redis, { prefix, abandonAfterMs: 60_000 });
    const t0 = Date.now();
    const { token } = await store.issue('payer', t0);
    await admitAll(store, t0);

    const first = await store.expireUser('payer', t0 + 10);
    const again = await store.expireUser('payer', t0 + 20);

    expect(first).toBe(token);
    expect(again).toBeUndefined();
    expect(await store.lookup(token, t0 + 30)).toBeUndefined();
    expect(await file.redis.zcard(`${prefix}active`)).toBe(0);
    expect((await changes(file.redis, prefix)).filter((c) => c.status === 'EXPIRED')).toEqual([
      expect.objectContaining({ token, userId: 'payer', activatedAt: t0, expiresAt: t0 + 60_000, at: t0 + 10 }),
    ]);
  });

  it('when the user queued again after the payment, then a late event naming the payment time leaves the new place alone', async () => {
    const prefix = prefixes.next();
    const store = new RedisQueueStore(file.redis, { prefix, abandonAfterMs: 60_000 });
    const paidAt = Date.now();
    const newer = await store.issue('returning', paidAt + 1_000);

    const expired = await store.expireUser('returning', paidAt + 2_000, { issuedAtOrBefore: paidAt });

    expect(expired).toBeUndefined();
    expect(await store.lookup(newer.token, paidAt + 2_000)).toMatchObject({ status: 'WAITING', position: 1 });
  });
});
