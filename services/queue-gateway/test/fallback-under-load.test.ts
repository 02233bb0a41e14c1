import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { closeRedis, createMetricsRegistry, createRedisClient } from '@ticketing/service-kit';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { createTokenLookup, type BreakerTokenLookup } from '../src/data-access/fallback/token-lookup';
import { generateQueueToken } from '../src/domain/queue-token';
import type { TokenChange } from '../src/domain/token-change';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { REDIS_URL, silentLogger } from './support/queue-test-kit';

/*
 * Security review, point 8: while Redis is down every token check goes to Postgres. 10,000 waiting users
 * polling their status at once must not starve the token checks of the users who are buying: those go
 * through, each answered ACTIVE; waiting polls beyond their share of the pool are refused at once (503
 * and Retry-After for that waiter), never queued in front of a buyer. Postgres answers slowly here (20 ms
 * added per reply, as under an outage's load), so the pool, not Postgres' speed, decides who waits.
 */
const WAITING = 10_000;
const ACTIVE = 100;
let db: FallbackDb;
let proxy: TcpProxy;
let slowPostgres: TcpProxy;
let redis: ReturnType<typeof createRedisClient>;
let lookup: BreakerTokenLookup;
const waitingTokens: string[] = [];
const activeTokens: string[] = [];

beforeAll(async () => {
  db = await createFallbackDb('under_load');
  const now = Date.now();
  const changes: TokenChange[] = [];
  for (let i = 0; i < WAITING; i += 1) {
    const token = generateQueueToken();
    waitingTokens.push(token);
    changes.push({ token, userId: `waiter-${i}`, status: 'WAITING', issuedAt: now - WAITING + i, at: now - WAITING + i });
  }
  for (let i = 0; i < ACTIVE; i += 1) {
    const token = generateQueueToken();
    activeTokens.push(token);
    changes.push({ token, userId: `buyer-${i}`, status: 'ACTIVE', issuedAt: now - 2 * WAITING, activatedAt: now, expiresAt: now + 600_000, at: now });
  }
  const seed = new FallbackTokenRepository(db.prisma);
  for (let i = 0; i < changes.length; i += 1_000) await seed.upsertChanges(changes.slice(i, i + 1_000));

  // Redis really goes away: the store's client is behind a proxy the test cuts.
  const target = new URL(REDIS_URL);
  proxy = await startTcpProxy(Number(target.port), target.hostname);
  redis = createRedisClient(`redis://127.0.0.1:${proxy.port}`, silentLogger());
  await once(redis, 'ready');
  // As the gateway runs it (its pool size and statement timeout), through a proxy that slows Postgres down.
  const database = new URL(db.databaseUrl);
  slowPostgres = await startTcpProxy(Number(database.port || 5432), database.hostname);
  database.host = `127.0.0.1:${slowPostgres.port}`;
  const prisma = db.clientAt(database.toString(), { poolSize: 10, statementTimeoutMs: 2_000 });
  await prisma.$queryRawUnsafe('SELECT 1');
  lookup = createTokenLookup({
    store: new RedisQueueStore(redis, { prefix: 'test:qg-under-load:', abandonAfterMs: 600_000 }),
    repository: new FallbackTokenRepository(prisma),
    connection: redis,
    breaker: { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 60_000 },
    metrics: createMetricsRegistry('under-load-test'),
    logger: silentLogger(),
  });
  await proxy.cut();
  slowPostgres.setLatency(20);
}, 120_000);

afterAll(async () => {
  lookup?.close();
  await closeRedis(redis);
  await proxy?.close();
  slowPostgres?.setLatency(0);
  await db?.drop();
  await slowPostgres?.close();
});

describe('the Postgres fallback under 10,000 waiting users polling during a Redis outage', () => {
  it('when they all poll while buyers check their tokens, then every buyer is answered ACTIVE, and each waiter a position or a clean refusal', async () => {
    const polls = Promise.allSettled(waitingTokens.map((token) => lookup.lookup(token, Date.now(), { touch: true })));
    // Buyers check in waves while the polls are in flight, as their next click would.
    const checks: Promise<unknown>[] = [];
    for (let wave = 0; wave < 5; wave += 1) {
      checks.push(...activeTokens.map((token) => lookup.lookup(token, Date.now(), { touch: false }).then((answer) => answer.view?.status)));
      await new Promise((resolve) => setImmediate(resolve));
    }

    const buyers = await Promise.allSettled(checks);
    const waiters = await polls;

    expect(lookup.state()).toBe('open');
    const buyerOutcomes = buyers.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : `rejected: ${(outcome.reason as Error).message}`));
    expect(new Set(buyerOutcomes)).toEqual(new Set(['ACTIVE']));
    const answered = waiters.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.view] : []));
    expect(answered.length).toBeGreaterThan(0);
    for (const view of answered) {
      expect(view).toMatchObject({ status: 'WAITING' });
      expect(view!.position).toBeGreaterThanOrEqual(1);
      expect(view!.position).toBeLessThanOrEqual(WAITING);
    }
    const refused = waiters.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []));
    expect(new Set(refused)).toEqual(refused.length ? new Set(['the Postgres fallback is busy with other waiting users; poll again shortly']) : new Set());
  }, 120_000);
});
