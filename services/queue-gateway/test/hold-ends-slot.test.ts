import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry, listen, type RunningServer, createUpstream, type Upstream } from '@ticketing/service-kit';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { wireHttp } from '../src/wiring';
import { startAdmission, type Admission } from '../src/entry-points/jobs/admission.job';
import { INTERNAL_TOKEN, verifyFromRedis } from './support/gateway-fixture';
import { REDIS_URL, defaultConfig, deleteKeysUnder, filePrefix, openRedis, silentLogger, TEST_APP } from './support/queue-test-kit';

/*
 * A hold that lapses unpaid gives the slot back: when the gateway relays a hold, the token's slot is made
 * to end with it (never past the TTL), and the next in line is admitted then, by the admission timer
 * (no tick runs here: its interval is an hour).
 */
const prefixes = filePrefix();
const prefix = prefixes.next();
let redis: Redis;
let store: RedisQueueStore;
let admission: Admission;
let booking: Server;
let upstream: Upstream;
let gateway: RunningServer;
let holdSeconds = 1;

beforeAll(async () => {
  redis = await openRedis();
  store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 600_000 });
  const config = defaultConfig(prefix, { QUEUE_MAX_ACTIVE: 1, QUEUE_ADMISSION_INTERVAL_MS: 3_600_000 });
  admission = startAdmission({ redisTarget: { url: REDIS_URL }, store, config, logger: silentLogger() });
  // A booking stand-in whose holds last `holdSeconds`.
  booking = createServer((_req, res) => {
    const body = JSON.stringify({ reservationId: 'r1', scheduleId: 's1', seatNo: 1, price: 1, status: 'HELD', expiresAt: new Date(Date.now() + holdSeconds * 1_000).toISOString() });
    res.writeHead(201, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => booking.listen(0, '127.0.0.1', resolve));
  upstream = createUpstream({ name: 'booking', url: `http://127.0.0.1:${(booking.address() as AddressInfo).port}` });
  const { app } = wireHttp({
    ...TEST_APP,
    metrics: createMetricsRegistry('hold-test'),
    forward: {
      verify: verifyFromRedis(store),
      upstreams: { booking: upstream, payment: upstream },
      internalToken: INTERNAL_TOKEN,
      logger: silentLogger(),
      // As the wiring does it, without the grace.
      onHeld: (token, holdEndsAt) => void store.endWithHold(token, holdEndsAt, 300_000, Date.now()).then((ends) => ends && admission.admitAt(ends)),
    },
  });
  gateway = await listen(app, 0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.close();
  await admission.close();
  await upstream.close();
  await new Promise((resolve) => booking.close(resolve));
  await deleteKeysUnder(redis, prefixes.base);
  await redis.quit();
});

const hold = (token: string) =>
  fetch(`${gateway.url}/reservations`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-queue-token': token }, body: JSON.stringify({ scheduleId: 's1', seatNo: 1 }) });
const slotEnd = async (token: string) => Number(await redis.hget(`${prefix}t:${token}`, 'expiresAt'));

describe('a hold that lapses unpaid', () => {
  it('when the active user holds a seat, then the slot ends with the hold; a later hold moves it later; at the end the next in line is admitted', async () => {
    const first = await store.issue('holder', Date.now());
    admission.admitNow();
    for (let i = 0; i < 100 && (await store.lookup(first.token, Date.now()))?.status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 20));
    const next = await store.issue('next', Date.now());
    const ttlEnd = await slotEnd(first.token);

    holdSeconds = 1;
    const firstHold = await hold(first.token);
    expect(firstHold.status).toBe(201);
    expect(((await firstHold.json()) as { reservationId: string }).reservationId).toBe('r1');
    const afterFirst = await slotEnd(first.token);
    holdSeconds = 3;
    await hold(first.token);
    const afterSecond = await slotEnd(first.token);

    expect(afterFirst).toBeLessThan(ttlEnd);
    expect(afterSecond).toBeGreaterThan(afterFirst);
    for (let i = 0; i < 100 && (await store.lookup(next.token, Date.now()))?.status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await store.lookup(next.token, Date.now()))?.status).toBe('ACTIVE');
    expect(await store.lookup(first.token, Date.now())).toBeUndefined();
  });
});
