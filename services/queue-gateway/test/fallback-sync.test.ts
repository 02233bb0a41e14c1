import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, type TcpProxy } from '@ticketing/devstack';
import { waitFor } from '@ticketing/devstack/testing';
import { FALLBACK_SYNC_GROUP, startFallbackSync } from '../src/data-access/fallback/fallback-sync';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import { createFallbackDb, databaseUrl, type FallbackDb } from './support/fallback-db';
import { activeTokens, deleteKeysUnder, newStore, silentLogger } from './support/gateway-fixture';
import { REDIS_URL, capturingLogger, openRedis, filePrefix } from './support/queue-test-kit';

const base = filePrefix().base;
let n = 0;
const nextPrefix = () => `${base}${++n}:`;

let redis: Redis;
let db: FallbackDb;
let repository: FallbackTokenRepository;

beforeAll(async () => {
  redis = await openRedis(REDIS_URL, { failFast: true });
  db = await createFallbackDb('sync');
  repository = new FallbackTokenRepository(db.prisma);
});

afterAll(async () => {
  await deleteKeysUnder(redis, base);
  await redis?.quit();
  await db?.drop();
});

const snapshotOf = (prefix: string) => (at: number) => newStore(redis, prefix).snapshot(at);
const pendingCount = async (prefix: string) => Number(((await redis.xpending(`${prefix}changes`, FALLBACK_SYNC_GROUP)) as unknown[])[0]);

describe('startFallbackSync', () => {
  it('when tokens are issued, admitted, left and expired, then each row holds its latest state and the stream is emptied', async () => {
    const prefix = nextPrefix();
    const store = newStore(redis, prefix);
    const sync = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 60_000, logger: silentLogger() });
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
    const syncs = ['gw-a', 'gw-b'].map((consumer) => startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 20, batchSize: 50, consumer, logger: silentLogger() }));

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
    const sync = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 60_000, claimIdleMs: 200, consumer: 'survivor', logger: silentLogger() });

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
      const { logger, lines } = capturingLogger();
      const sync = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository: cutOff, intervalMs: 50, logger });
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

  describe('security review, point 14: a capped stream and an unpruned table', () => {
    it('when the stream outgrew its cap before changes were copied, then the copy is rebuilt from Redis: what ended is EXPIRED, who joined is there', async () => {
      const prefix = nextPrefix();
      const store = newStore(redis, prefix);
      const first = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 60_000, logger: silentLogger() });
      const [leaver, stayer] = await activeTokens(store, ['t-leaver', 't-stayer']);
      await first.flush();
      await first.close();
      expect(await repository.findByToken(leaver)).toMatchObject({ status: 'ACTIVE' });

      // Two changes the copy has not seen yet, and a sync whose cap holds one: the oldest (the leave) is
      // dropped, as in a long Postgres outage in a rush.
      await store.leave(leaver, Date.now());
      const joiner = (await store.issue('t-joiner', Date.now())).token;
      const { logger, lines: logged } = capturingLogger();
      const sync = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 60_000, streamCap: 1, logger });
      await sync.flush();
      // Later changes flow as usual once the group has moved past the dropped stretch.
      await store.leave(stayer, Date.now());
      await sync.flush();
      await sync.close();

      expect(await repository.findByToken(leaver)).toMatchObject({ status: 'EXPIRED' });
      expect(await repository.findByToken(joiner)).toMatchObject({ userId: 't-joiner', status: 'WAITING' });
      expect(await repository.findByToken(stayer)).toMatchObject({ status: 'EXPIRED' });
      expect(await pendingCount(prefix)).toBe(0);
      // Rebuilt once, and the mark that asked for it is gone.
      expect(logged.map((line) => (JSON.parse(line) as { msg: string }).msg).filter((msg) => msg.includes('rebuilt the copy'))).toHaveLength(1);
      expect(await redis.exists(`${prefix}changes:lost`)).toBe(0);
    });

    it('when the group read counter is behind but nothing was dropped (as after Redis reloads its AOF), then nothing is rebuilt and nothing is logged', async () => {
      const prefix = nextPrefix();
      const store = newStore(redis, prefix);
      const { logger, lines: logged } = capturingLogger();
      const sync = startFallbackSync({ redis, prefix, snapshot: snapshotOf(prefix), repository, intervalMs: 60_000, logger });
      const [token] = await activeTokens(store, ['u-stale-count']);
      await sync.flush();
      // Everything is copied; Redis' own count says otherwise (lag > 0), as it did at a start after a load run.
      await redis.call('XGROUP', 'SETID', `${prefix}changes`, FALLBACK_SYNC_GROUP, '$', 'ENTRIESREAD', '0');
      await store.leave(token!, Date.now());
      await sync.flush();
      await sync.close();

      expect(await repository.findByToken(token!)).toMatchObject({ status: 'EXPIRED' });
      expect(logged).toEqual([]);
    });

    it('when rows ended longer ago than the retention, then pruning deletes them and keeps the rest', async () => {
      const now = Date.now();
      const hoursAgo = (h: number) => now - h * 3_600_000;
      const token = (label: string) => `prune-${label}-${now}`.padEnd(43, 'x');
      await repository.upsertChanges([
        { token: token('old-expired'), userId: 'p1', status: 'EXPIRED', issuedAt: hoursAgo(3), at: hoursAgo(2) },
        { token: token('old-active'), userId: 'p2', status: 'ACTIVE', issuedAt: hoursAgo(3), activatedAt: hoursAgo(3), expiresAt: hoursAgo(2), at: hoursAgo(3) },
        { token: token('new-expired'), userId: 'p3', status: 'EXPIRED', issuedAt: hoursAgo(1), at: now - 60_000 },
        { token: token('old-waiting'), userId: 'p4', status: 'WAITING', issuedAt: hoursAgo(3), at: hoursAgo(3) },
      ]);

      const pruned = await repository.prune(hoursAgo(1), 1);

      expect(pruned).toBeGreaterThanOrEqual(2);
      const left = await Promise.all(['old-expired', 'old-active', 'new-expired', 'old-waiting'].map(async (label) => [label, Boolean(await repository.findByToken(token(label)))]));
      expect(Object.fromEntries(left)).toEqual({ 'old-expired': false, 'old-active': false, 'new-expired': true, 'old-waiting': true });
    });
  });
});
