import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { startServiceProcess, waitFor, type ServiceProcess } from '@ticketing/devstack/testing';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import { generateQueueToken } from '../src/domain/queue-token';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { deleteKeysUnder, openRedis, REDIS_URL } from './support/queue-test-kit';

/*
 * Security review, points 5 and 6: a gateway started (or scaled out) while Redis is down must listen,
 * answer token checks from the Postgres fallback, report itself degraded but ready, and start admitting
 * once Redis is back — not wait for BullMQ forever.
 */

const prefix = `test:qg-outage-start:${randomUUID()}:`;
let redis: Redis;
let proxy: TcpProxy;
let db: FallbackDb;
let gateway: ServiceProcess;
const activeToken = generateQueueToken();

beforeAll(async () => {
  redis = await openRedis();
  db = await createFallbackDb('outage_start');
  const now = Date.now();
  await new FallbackTokenRepository(db.prisma).upsertChanges([
    { token: activeToken, userId: 'outage-start-user', status: 'ACTIVE', issuedAt: now, activatedAt: now, expiresAt: now + 600_000, at: now },
  ]);
  const target = new URL(REDIS_URL);
  proxy = await startTcpProxy(Number(target.port), target.hostname);
  await proxy.cut();
  // Resolves only once the process logs that it listens.
  gateway = await startServiceProcess(join(__dirname, '..'), {
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    DATABASE_SCHEMA: db.schema,
    QUEUE_KEY_PREFIX: prefix,
    QUEUE_LIMIT_MODE: 'fixed',
    KAFKA_GROUP_ID: `test-outage-start-${randomUUID()}`,
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop('SIGTERM');
  await proxy?.close();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db?.drop();
});

describe('a gateway started while Redis is down', () => {
  it('when a user with an active token calls, then the fallback answers and /health/ready says degraded (200)', async () => {
    const me = await fetch(`${gateway.url}/queue/tokens/me`, { headers: { 'x-queue-token': activeToken } });
    expect({ status: me.status, body: await me.json() }).toMatchObject({ status: 200, body: { status: 'ACTIVE' } });

    const ready = await fetch(`${gateway.url}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'degraded' } });
  });

  it('when Redis comes back, then it is ready and admits new users (its admission ticks started)', async () => {
    await proxy.restore();
    await waitFor('ready', async () => ((await (await fetch(`${gateway.url}/health/ready`)).json()) as { status: string }).status === 'ready' || undefined, 30_000);

    const issued = await fetch(`${gateway.url}/queue/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'after-the-outage' }) });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    await waitFor('admitted', async () => {
      const me = (await (await fetch(`${gateway.url}/queue/tokens/me`, { headers: { 'x-queue-token': token } })).json()) as { status: string };
      return me.status === 'ACTIVE' || undefined;
    }, 15_000);
  }, 60_000);
});
