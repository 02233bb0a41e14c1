import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { createMetricsRegistry, listen, type RunningServer, createUpstream, type Upstream } from '@ticketing/service-kit';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { WaitingRoom } from '../src/domain/waiting-room';
import { wireHttp } from '../src/wiring';
import { startAdmission, type Admission } from '../src/entry-points/jobs/admission.job';
import { INTERNAL_TOKEN, verifyFromRedis } from './support/gateway-fixture';
import { REDIS_URL, call, defaultConfig, deleteKeysUnder, filePrefix, openRedis, silentLogger, TEST_APP } from './support/queue-test-kit';

/*
 * The adaptive admission limit against a real backend path: admitted users call a stand-in upstream
 * through the gateway's forward routes, the upstream sits behind a TCP proxy that can add latency, and
 * the limit is read where an operator reads it, from GET /queue/stats.
 */

const prefixes = filePrefix();
const prefix = prefixes.next();
let redis: Redis;
let backend: Server;
let proxy: TcpProxy;
let upstream: Upstream;
let admission: Admission;
let gateway: RunningServer;
let stop = false;
const workers: Promise<void>[] = [];

beforeAll(async () => {
  redis = await openRedis();
  backend = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  proxy = await startTcpProxy((backend.address() as AddressInfo).port);
  upstream = createUpstream({ name: 'booking', url: `http://127.0.0.1:${proxy.port}` });
  const config = defaultConfig(prefix, {
    QUEUE_LIMIT_MODE: 'adaptive',
    QUEUE_MAX_ACTIVE: 4,
    QUEUE_LIMIT_MIN: 2,
    QUEUE_LIMIT_MAX: 40,
    QUEUE_LIMIT_STEP: 4,
    QUEUE_LIMIT_INTERVAL_MS: 250,
    // Far from both phases: a loaded CI machine (the whole suite beside this test) can take a few hundred
    // ms over a trivial call, and the slowed phase adds well over the target.
    QUEUE_LIMIT_TARGET_P95_MS: 500,
    QUEUE_ADMISSION_INTERVAL_MS: 200,
  });
  const store = new RedisQueueStore(redis, { prefix, abandonAfterMs: 600_000 });
  admission = startAdmission({ redisTarget: { url: REDIS_URL }, store, config, logger: silentLogger() });
  const metrics = createMetricsRegistry('queue-gateway-test');
  const lookup = (token: string, now: number) => store.lookup(token, now, { touch: true });
  const { app } = wireHttp({
    ...TEST_APP,
    metrics,
    queue: { store, lookup, config, breakerState: () => 'CLOSED', metrics, room: new WaitingRoom(), admissionLimit: admission.limit, onSlotFreed: admission.admitNow },
    forward: {
      verify: verifyFromRedis(store),
      upstreams: { booking: upstream, payment: upstream },
      internalToken: INTERNAL_TOKEN,
      logger: silentLogger(),
      observe: (_token, latencyMs, failed) => admission.limit.observe(latencyMs, failed),
    },
  });
  gateway = await listen(app, 0, '127.0.0.1');
});

afterAll(async () => {
  stop = true;
  await Promise.all(workers);
  await gateway.close();
  await admission.close();
  await upstream.close();
  await proxy.close();
  await new Promise((resolve) => backend.close(resolve));
  await deleteKeysUnder(redis, prefixes.base);
  await redis.quit();
});

const limitNow = async () => ((await call(gateway, 'GET', '/queue/stats')).body as { admissionLimit: { limit: number; lastChange?: { reason: string } } }).admissionLimit;

/** A person: joins, waits until admitted, makes a few calls to booking, leaves (freeing the slot); again. */
async function person(n: number): Promise<void> {
  for (let round = 0; !stop; round++) {
    const issued = await call(gateway, 'POST', '/queue/tokens', { body: { userId: `p${n}-${round}` } });
    const token = (issued.body as { token: string }).token;
    while (!stop && ((await call(gateway, 'GET', '/queue/tokens/me', { token })).body as { status: string }).status !== 'ACTIVE') {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 3 && !stop; i++) await call(gateway, 'GET', '/concerts', { token });
    await call(gateway, 'DELETE', '/queue/tokens/me', { token });
  }
}

async function until(condition: () => Promise<boolean>, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts && !(await condition()); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('the adaptive admission limit', () => {
  it('when the backends answer fast, then the limit rises; when one is slowed past the target, then it falls back', async () => {
    for (let n = 0; n < 30; n++) workers.push(person(n));

    await until(async () => (await limitNow()).limit >= 16);
    const risen = await limitNow();
    expect(risen.limit).toBeGreaterThanOrEqual(16);
    expect(risen.lastChange?.reason).toBe('healthy');

    proxy.setLatency(1_500);
    await until(async () => (await limitNow()).limit < risen.limit / 2);

    const fallen = await limitNow();
    expect(fallen.limit).toBeLessThan(risen.limit / 2);
    expect(fallen.lastChange?.reason).toBe('slow');
    // Slots already taken are not revoked, but as their holders leave no more than the new limit are
    // admitted: the slots in use come down to it.
    const active = async () => ((await call(gateway, 'GET', '/queue/stats')).body as { active: number; maxActive: number });
    // The limit may keep falling while slowed, so the figures checked are the ones read when it held
    // (a second read could meet a lower limit that the slots in use have not come down to yet).
    let settled = await active();
    await until(async () => {
      settled = await active();
      return settled.active <= settled.maxActive;
    });
    proxy.setLatency(0);
    expect(settled.active).toBeLessThanOrEqual(settled.maxActive);
    expect(settled.maxActive).toBeLessThan(risen.limit);
  });
});
