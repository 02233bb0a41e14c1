import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry } from '@ticketing/service-kit';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import type { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { createTokenLookup, type BreakerTokenLookup } from '../src/data-access/fallback/token-lookup';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { deleteKeysUnder, newStore, silentLogger } from './support/gateway-fixture';
import { REDIS_URL, openRedis, filePrefix } from './support/queue-test-kit';

/*
 * The breaker is open (its Redis connection reported closed) but Redis answers again, and the Postgres
 * copy has not caught up with a token issued meanwhile (no fallback sync runs here at all): the token
 * must not be refused as unknown. Found by the Redis fault test: right after Redis came back, users
 * whose tokens the copy did not know yet got 401 until the breaker closed, re-joined, got the same
 * token, got 401 again… until the per-user issue limit answered 429.
 */
const prefix = filePrefix().base;
let redis: Redis;
let db: FallbackDb;
let store: RedisQueueStore;
let lookup: BreakerTokenLookup;
const connection = new EventEmitter();

beforeAll(async () => {
  redis = await openRedis(REDIS_URL, { failFast: true });
  db = await createFallbackDb('lag');
  store = newStore(redis, prefix);
  lookup = createTokenLookup({
    store,
    repository: new FallbackTokenRepository(db.prisma),
    connection,
    breaker: { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 60_000 },
    metrics: createMetricsRegistry('lag-test'),
    logger: silentLogger(),
  });
});

afterAll(async () => {
  lookup?.close();
  await deleteKeysUnder(redis, prefix);
  await redis?.quit();
  await db?.drop();
});

describe('token lookup while the breaker is open', () => {
  it('when the Postgres copy does not know a token but Redis does, then Redis answers it instead of a 401', async () => {
    const { token } = await store.issue('just-joined', Date.now());
    connection.emit('close');

    const answer = await lookup.lookup(token, Date.now(), { touch: true });

    expect(lookup.state()).toBe('open');
    expect(answer).toMatchObject({ source: 'redis', view: { userId: 'just-joined', status: 'WAITING' } });
  });

  it('when the copy still has a token WAITING that Redis has admitted, then a protected check gets ACTIVE from Redis, not a 403', async () => {
    const repository = new FallbackTokenRepository(db.prisma);
    const issued = await store.issue('just-admitted', Date.now());
    await repository.upsertChanges([{ token: issued.token, userId: 'just-admitted', status: 'WAITING', issuedAt: issued.issuedAt, at: issued.issuedAt }]);
    const now = Date.now();
    await store.admit({ maxActive: 1_000, activeTtlMs: 60_000, abandonBefore: 0, now });
    connection.emit('close');

    const protectedCheck = await lookup.lookup(issued.token, Date.now(), { touch: false });
    const statusPoll = await lookup.lookup(issued.token, Date.now(), { touch: true });

    expect(protectedCheck).toMatchObject({ source: 'redis', view: { userId: 'just-admitted', status: 'ACTIVE' } });
    // A waiting user's status poll stays on the copy during an outage: one source, no second Redis call.
    expect(statusPoll).toMatchObject({ source: 'postgres', view: { status: 'WAITING' } });
  });

  it('when neither the copy nor Redis knows the token, then it is unknown (401 for the caller)', async () => {
    const answer = await lookup.lookup('x'.repeat(43), Date.now(), { touch: false });

    expect(answer.view).toBeUndefined();
  });
});

describe('unknown tokens during an outage (security review, point 7)', () => {
  it('when the same unknown token is checked 50 times at once and again, then Postgres and Redis are asked about it once', async () => {
    const repository = new FallbackTokenRepository(db.prisma);
    let copyAsked = 0;
    let redisAsked = 0;
    const outage = new EventEmitter();
    const counted = createTokenLookup({
      store: { lookup: (...args) => ((redisAsked += 1), store.lookup(...args)) },
      repository: { findByToken: (token) => ((copyAsked += 1), repository.findByToken(token)), waitingPosition: (record) => repository.waitingPosition(record) },
      connection: outage,
      breaker: { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 60_000 },
      metrics: createMetricsRegistry('miss-test'),
      logger: silentLogger(),
    });
    try {
      outage.emit('close'); // the breaker opens: every check goes to the fallback
      const junk = 'z'.repeat(43);
      const first = await counted.lookup(junk, Date.now(), { touch: false });
      expect(first.view).toBeUndefined();
      const askedAfterFirst = { copyAsked, redisAsked };

      const again = await Promise.all(Array.from({ length: 50 }, () => counted.lookup(junk, Date.now(), { touch: false })));

      expect(again.every((answer) => answer.view === undefined)).toBe(true);
      expect({ copyAsked, redisAsked }).toEqual(askedAfterFirst);
    } finally {
      counted.close();
    }
  });
});
