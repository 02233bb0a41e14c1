import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createMetricsRegistry, createUpstream, type Registry, type Upstream } from '@ticketing/service-kit';
import { waitFor } from '@ticketing/devstack/testing';
import { bookingConcertCatalogue } from '../src/data-access/concert.catalogue';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import { parseMetrics, total } from '../src/domain/ops-snapshot';
import type { WaiterState } from '../src/domain/waiting-room';
import { QueueLines } from '../src/entry-points/jobs/queue-lines';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { defaultConfig, fileRedis, REDIS_URL, silentLogger } from './support/queue-test-kit';

/*
 * A line per concert on the real Redis: each concert's line has its own places, admission limit and
 * waiting room; a line opened by one gateway process is found by the others (they admit it and push its
 * waiters). Booking is a stand-in that lists the concerts, read through the gateway's real catalogue.
 */

const file = fileRedis();
const CONCERTS = [randomUUID(), randomUUID()] as const;
const UNLISTED = randomUUID();
let booking: Server;
let upstream: Upstream;
/** Booking's answer to GET /concerts: 200 with the list, or a failure a test asks for. */
let bookingStatus = 200;
let db: FallbackDb;
const opened: QueueLines[] = [];

beforeAll(async () => {
  booking = createServer((req, res) => {
    res.writeHead(req.url === '/concerts' ? bookingStatus : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(CONCERTS.map((concertId) => ({ concertId, title: 'Test', artist: 'Band', venue: 'Hall' }))));
  });
  await new Promise<void>((resolve) => booking.listen(0, '127.0.0.1', resolve));
  upstream = createUpstream({ name: 'booking', url: `http://127.0.0.1:${(booking.address() as AddressInfo).port}` });
  db = await createFallbackDb('lines');
}, 60_000);

// Each test's lines close when it ends: the file's Redis client (fileRedis) quits in an afterAll declared
// before this file's own, and a line still running then would send it commands after it has quit.
afterEach(async () => {
  await Promise.all(opened.splice(0).map((lines) => lines.close()));
});

afterAll(async () => {
  await upstream?.close();
  await new Promise((resolve) => booking?.close(resolve));
  await db?.drop();
});

/** One gateway process's lines: a fixed limit of 2 per line, ticks too rare to matter (admission runs when told). */
function linesOf(prefix: string, metrics?: Registry): QueueLines {
  const lines = new QueueLines({
    settings: {
      ...(metrics ? { metrics } : {}),
      redis: file.redis,
      redisTarget: { url: REDIS_URL },
      config: { ...defaultConfig(prefix, { QUEUE_MAX_ACTIVE: 2, QUEUE_ADMISSION_INTERVAL_MS: 3_600_000 }), FALLBACK_SYNC_INTERVAL_MS: 100 },
      repository: new FallbackTokenRepository(db.prisma),
      logger: silentLogger(),
    },
    catalogue: bookingConcertCatalogue({ booking: upstream, internalToken: 'gateway-test-internal-token-0123456789' }),
    discoverEveryMs: 100,
  });
  opened.push(lines);
  return lines;
}

const join = async (lines: QueueLines, concertId: string, users: string[]) => {
  const line = (await lines.forConcert(concertId))!;
  // A line's tick runs once as the line opens: let it pass first, so that admission runs only when a test says.
  await waitFor("the line's first tick", async () => ((await line.store.counts(Date.now())).limit === undefined ? undefined : true));
  const tokens = [];
  for (const user of users) tokens.push((await line.store.issue(user, Date.now())).token);
  return { line, tokens };
};

describe('a line per concert', () => {
  it("when fans join two concerts' lines, then each line has its own order, one place per user, and its own admission limit", async () => {
    const lines = linesOf(file.prefixes.next());
    const first = await join(lines, CONCERTS[0], ['ann', 'bob', 'cat']);
    const second = await join(lines, CONCERTS[1], ['ann', 'dan', 'eve']);

    expect(first.tokens.every((token) => token.startsWith(`${CONCERTS[0]}.`))).toBe(true);
    expect(second.tokens[0]).not.toBe(first.tokens[0]);
    // Ann again in the first line: her place there, not a new one.
    expect(await first.line.store.issue('ann', Date.now())).toMatchObject({ token: first.tokens[0], created: false, position: 1 });
    expect((await second.line.store.lookup(second.tokens[2]!, Date.now()))?.position).toBe(3);

    first.line.admission.admitNow();
    second.line.admission.admitNow();
    await waitFor('both lines admitted', async () => {
      const [a, b] = await Promise.all([first.line.store.counts(Date.now()), second.line.store.counts(Date.now())]);
      return a.active === 2 && b.active === 2 ? [a, b] : undefined;
    });
    expect(await first.line.store.counts(Date.now())).toMatchObject({ waiting: 1, active: 2 });
    expect(await lines.site.store.counts(Date.now())).toMatchObject({ waiting: 0, active: 0 });
    expect(lines.open().map((open) => open.concertId).sort()).toEqual([...CONCERTS].sort());
  });

  it("when two concerts' lines admit, then /metrics shows each line's waiting, active, admitted and limit under its own line label", async () => {
    const metrics = createMetricsRegistry('queue-gateway');
    const lines = linesOf(file.prefixes.next(), metrics);
    const first = await join(lines, CONCERTS[0], ['ann', 'bob', 'cat']);
    await join(lines, CONCERTS[1], ['dan']);
    const metric = async (name: string, line: string) => total(parseMetrics(await metrics.metrics()), name, { line });
    first.line.admission.admitNow();
    // The count moves once the run's admissions are also written through to Postgres.
    await waitFor('the first line admitted', async () => ((await metric('queue_admitted_total', CONCERTS[0])) === 2 ? true : undefined));

    const figures = async (line: string) => ({
      waiting: await metric('queue_waiting', line),
      active: await metric('queue_active', line),
      admitted: await metric('queue_admitted_total', line),
      limit: await metric('queue_admission_limit', line),
    });
    expect(await Promise.all(CONCERTS.map(figures))).toEqual([
      { waiting: 1, active: 2, admitted: 2, limit: 2 },
      { waiting: 1, active: 0, admitted: 0, limit: 2 },
    ]);
  });

  it('when a concert is not in the catalogue, then it gets no line and nothing is written', async () => {
    const prefix = file.prefixes.next();
    const lines = linesOf(prefix);
    expect(await lines.forConcert(UNLISTED)).toBeUndefined();
    expect(await file.redis.smembers(`${prefix}lines`)).toEqual([]);
    expect(lines.open()).toEqual([]);
  });

  it("when a line is opened on one gateway process, then another finds it, and a waiter connected there is admitted by a slot freed on the first", async () => {
    const prefix = file.prefixes.next();
    const processA = linesOf(prefix);
    const { line, tokens } = await join(processA, CONCERTS[0], ['first', 'second', 'third']);
    line.admission.admitNow();
    await waitFor('two admitted', async () => ((await line.store.counts(Date.now())).active === 2 ? true : undefined));

    const processB = linesOf(prefix);
    await waitFor('B found the line', async () => processB.open().find((open) => open.concertId === CONCERTS[0]));
    const onB = processB.openLineOf(tokens[2]!)!;
    expect(onB).not.toBe(line);

    const pushed = new Promise<WaiterState>((resolve) => {
      const presence = onB.room.enter(tokens[2]!, (state) => state.status === 'ACTIVE' && resolve(state));
      presence.know({ status: 'WAITING', position: 1, admittedBefore: 2 });
    });
    expect(await line.store.leave(tokens[0]!, Date.now())).toBe('ACTIVE');
    line.admission.admitNow();

    expect(await pushed).toMatchObject({ status: 'ACTIVE' });
    expect((await processB.storeOf(tokens[2]!).lookup(tokens[2]!, Date.now()))?.status).toBe('ACTIVE');
  });

  it('when booking stops answering, then a concert the catalogue knows still answers (joining its line never waits for booking) and an unknown one is refused', async () => {
    let reads = 0;
    const counting: Upstream = { ...upstream, request: (request) => (reads++, upstream.request(request)) };
    const catalogue = bookingConcertCatalogue({ booking: counting, internalToken: 'gateway-test-internal-token-0123456789', maxAgeMs: 0, minRefreshMs: 0 });
    // Thresholds of 0 ms: every later call finds the list stale, once the clock has moved.
    const later = () => new Promise((resolve) => setTimeout(resolve, 5));
    expect(await catalogue.find(CONCERTS[0])).toEqual({});

    bookingStatus = 503;
    try {
      await later();
      expect(await catalogue.find(CONCERTS[0])).toEqual({});
      await later();
      await expect(catalogue.find(UNLISTED)).rejects.toThrow(/503/);
      await later();
      expect(await catalogue.find(CONCERTS[1])).toEqual({});
      // The stale list was re-read behind the known answers, and kept when booking failed.
      expect(reads).toBeGreaterThan(1);
    } finally {
      bookingStatus = 200;
    }
  });
});
