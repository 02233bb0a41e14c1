import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { closeRedis, createLogger, createRedisClient } from '@ticketing/service-kit';
import { BullHoldExpiryScheduler, HOLD_EXPIRY_QUEUE } from '../src/data-access/hold-expiry.queue';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';

/*
 * Security review, point 11: while Redis is away, scheduling a hold's expiry must fail at once (the hold
 * stands; the sweeper releases it later) and leave nothing queued in memory to replay when Redis returns.
 */
describe('hold expiry scheduling while Redis is away', () => {
  const prefix = `test-booking-outage-${randomUUID()}`;
  const logger = createLogger({ service: 'booking-test', level: 'silent' });
  let proxy: TcpProxy;
  let scheduler: BullHoldExpiryScheduler;
  let client: ReturnType<typeof createRedisClient>;

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy(Number(target.port), target.hostname);
    client = createRedisClient(`redis://127.0.0.1:${proxy.port}`, logger);
    await once(client, 'ready');
    scheduler = new BullHoldExpiryScheduler(client, prefix);
  });

  afterAll(async () => {
    await scheduler.close();
    await closeRedis(client);
    await proxy.close();
  });

  it('when Redis goes away, then each schedule fails at once, and none of them is replayed once Redis is back', async () => {
    const before = randomUUID();
    await scheduler.schedule(before, new Date(Date.now() + 60_000));

    await proxy.cut();
    const during = Array.from({ length: 200 }, () => randomUUID());
    const outcomes = await Promise.allSettled(during.map((id) => scheduler.schedule(id, new Date(Date.now() + 60_000))));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(during.length);

    await proxy.restore();
    await once(client, 'ready');
    const inspect = new Queue(HOLD_EXPIRY_QUEUE, { connection: { url: REDIS_URL }, prefix });
    try {
      expect(await inspect.getJob(before)).toBeDefined();
      const replayed = (await Promise.all(during.map((id) => inspect.getJob(id)))).filter(Boolean);
      expect(replayed).toHaveLength(0);
    } finally {
      await inspect.obliterate({ force: true });
      await inspect.close();
    }
  }, 30_000);
});
