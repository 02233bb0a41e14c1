import { PassThrough } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { waitFor } from '@ticketing/devstack/testing';
import { createLogger } from '@ticketing/service-kit';
import { FALLBACK_SYNC_GROUP, startFallbackSync } from '../src/data-access/fallback-sync';
import { FallbackTokenRepository } from '../src/data-access/fallback-token.repository';
import { createFallbackDb, databaseUrl, type FallbackDb } from './support/fallback-db';
import { activeTokens, connectedRedis, deleteKeysUnder, newStore, silentLogger, uniquePrefix } from './support/gateway-fixture';
import { REDIS_URL } from './support/queue-test-kit';

const base = uniquePrefix();
let n = 0;
const nextPrefix = () => `${base}${++n}:`;

let redis: Redis;
let db: FallbackDb;
let repository: FallbackTokenRepository;

beforeAll(async () => {
  redis = await connectedRedis(REDIS_URL);
  db = await createFallbackDb('sync');
  repository = new FallbackTokenRepository(db.prisma);
});

afterAll(async () => {
  await deleteKeysUnder(redis, base);
  await redis?.quit();
  await db?.drop();
});

const pendingCount = async (prefix: string) => Number(((await redis.xpending(`${prefix}changes`, FALLBACK_SYNC_GROUP)) as unknown[])[0]);

describe('startFallbackSync', () => {
  it('when tokens are issued, admitted, left and expired, then each row holds its latest state and the stream is emptied', async () => {
    const prefix = nextPrefix();
    const store = newStore(redis, prefix);
    const sync = startFallbackSync({ redis, prefix, repository, intervalMs: 60_000, logger: silentLogger() });
    const [admitted, leaving, paying] = await activeTokens(store, ['s-admitted', 's-leaving', 's-paying']);
    const waiting = (await store.issue('s-waiting', Date.now())).token;
    await store.leave(leaving, Date.now());
    await store.expireUser('s-paying', Date.now());

    await sync.flush();
    await sync.close();
    await sync.close();

    expect(await repository.findByToken(admitted)).toMatchObject({ userId: 's-admitted', status: 'ACTIVE', expiresAt: expect.any(Number) });
    expect(await repository.findByToken(waiting)).toMatchObject({ userId: 's-waiting', status: 'WAITING' });
    expect(await repository.findByToken(leaving)).toMatchObject({ userId: 's-leaving', status: 'EXPIRED' });
    expect(await repository.findByToken(paying)).toMatchObject({ userId: 's-paying', status: 'EXPIRED' });
    expect(await redis.xlen(`${prefix}changes`)).toBe(0);
    expect(await pendingCount(prefix)).toBe(0);
  });

  it('when two gateways sync the same stream while 500 users join, then every token is copied exactly once and nothing stays pending', async () => {
    const prefix = nextPrefix();
    const store = newStore(redis, prefix);
    const syncs = ['gw-a', 'gw-b'].map((consumer) => startFallbackSync({ redis, prefix, repository, intervalMs: 20, batchSize: 50, consumer, logger: silentLogger() }));

    const issued = await Promise.all(Array.from({ length: 500 }, (_, i) => store.issue(`s-many-${prefix}-${i}`, Date.now())));
    await waitFor('all copied', async () => {
      await Promise.all(syncs.map((sync) => sync.flush()));
      return (await redis.xlen(`${prefix}changes`)) === 0 ? true : undefined;
    });
    await Promise.all(syncs.map((sync) => sync.close()));

    const rows = await db.prisma.queueToken.findMany({ where: { userId: { startsWith: `s-many-${prefix}-` } } });
    expect(rows.map((r) => r.token).sort()).toEqual(issued.map((i) => i.token).sort());
    expect(rows.every((r) => r.status === 'WAITING')).toBe(true);
    expect(await pendingCount(prefix)).toBe(0);
  });

  it('when a gateway died holding unacknowledged changes, then another takes them over and copies them', async () => {
    const prefix = nextPrefix();
    const store = newStore(redis, prefix);
    await redis.xgroup('CREATE', `${prefix}changes`, FALLBACK_SYNC_GROUP, '0', 'MKSTREAM');
    const { token } = await store.issue('s-orphan', Date.now());
    // The dead gateway read the change and never acknowledged it.
    await redis.xreadgroup('GROUP', FALLBACK_SYNC_GROUP, 'dead-gateway', 'COUNT', 10, 'STREAMS', `${prefix}changes`, '>');
    const sync = startFallbackSync({ redis, prefix, repository, intervalMs: 60_000, claimIdleMs: 200, consumer: 'survivor', logger: silentLogger() });

    await waitFor('orphan copied', async () => {
      await sync.flush();
      return (await repository.findByToken(token)) ? true : undefined;
    });
    await sync.close();

    expect(await repository.findByToken(token)).toMatchObject({ userId: 's-orphan', status: 'WAITING' });
    expect(await pendingCount(prefix)).toBe(0);
  });

  describe('when Postgres is unreachable', () => {
    let proxy: TcpProxy;
    const lines: string[] = [];

    beforeAll(async () => {
      const target = new URL(databaseUrl);
      proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    });
    afterAll(() => proxy.close());

    it('then changes wait in the stream, the failure is logged once, and the table catches up when Postgres returns', async () => {
      const prefix = nextPrefix();
      const store = newStore(redis, prefix);
      const proxied = new URL(databaseUrl);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const cutOff = new FallbackTokenRepository(db.clientAt(proxied.toString()));
      const destination = new PassThrough();
      destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
      const sync = startFallbackSync({ redis, prefix, repository: cutOff, intervalMs: 50, logger: createLogger({ service: 'test', destination }) });
      await proxy.cut();

      const { token } = await store.issue('s-during-pg-outage', Date.now());
      await expect(sync.flush()).rejects.toThrow();
      await expect(sync.flush()).rejects.toThrow();
      const pendingDuringOutage = await pendingCount(prefix);
      await proxy.restore();
      await waitFor('caught up', async () => {
        await sync.flush();
        return (await repository.findByToken(token)) ? true : undefined;
      });
      await sync.close();

      expect(pendingDuringOutage).toBe(1);
      expect(await repository.findByToken(token)).toMatchObject({ userId: 's-during-pg-outage', status: 'WAITING' });
      expect(await redis.xlen(`${prefix}changes`)).toBe(0);
      const messages = lines.map((line) => JSON.parse(line) as { msg: string; dependency?: string });
      expect(messages.filter((m) => m.msg === 'fallback sync failing; will retry')).toEqual([expect.objectContaining({ dependency: 'postgres' })]);
      expect(messages.filter((m) => m.msg === 'fallback sync restored')).toHaveLength(1);
    }, 60_000);
  });
});
