import { describe, expect, it } from '@jest/globals';
import { RedisQueueStore } from '../src/data-access/redis-queue/queue.store';
import { fileRedis } from './support/queue-test-kit';

/*
 * A line with an on-sale time (API.md "A queue per concert"): who joins before it waits in a pre-queue
 * and gets a random place at the opening (CSPRNG draws, applied once, atomically, in Redis); who joins
 * after it queues behind all of them. The store takes the clock as an argument, so the opening is
 * crossed without waiting for it.
 */

const file = fileRedis();
const EARLY = 3_000;
const LATE = 500;

const newStore = () => new RedisQueueStore(file.redis, { prefix: file.prefixes.next(), abandonAfterMs: 60_000 });

/** Spearman's rank correlation of two rankings of the same n items (1-based, no ties). */
function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const squares = a.reduce((sum, rank, i) => sum + (rank - b[i]!) ** 2, 0);
  return 1 - (6 * squares) / (n * (n * n - 1));
}

/** Joins `count` users named `<name>-<i>` concurrently (pipelined on one connection), at the given clock. */
const joinAll = (store: RedisQueueStore, name: string, count: number, now: (i: number) => number, opensAt: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => store.issue(`${name}-${i}`, now(i), opensAt)));

describe('a line with an on-sale time', () => {
  it('when thousands join before the opening and hundreds after, then the early ones get a random order ahead of everyone later, and the late ones keep their arrival order', async () => {
    const store = newStore();
    const opensAt = Date.now() + 60_000;

    const early = await joinAll(store, 'early', EARLY, (i) => opensAt - 30_000 + i, opensAt);
    expect(early.every((issued) => issued.status === 'PRE_QUEUE' && issued.position === 0 && issued.opensAt === opensAt && issued.created)).toBe(true);
    expect(await store.counts(opensAt - 1)).toMatchObject({ preQueue: EARLY, waiting: 0 });
    // Asking again, or looking, before the opening changes nothing: the same token, no place yet.
    expect(await store.issue('early-0', opensAt - 100, opensAt)).toMatchObject({ token: early[0]!.token, created: false, status: 'PRE_QUEUE' });
    expect(await store.lookup(early[1]!.token, opensAt - 100, { touch: true })).toMatchObject({ status: 'PRE_QUEUE', position: 0, opensAt });

    // The first join at the opening opens the line; the late ones queue behind the whole pre-queue.
    const late = [];
    for (let i = 0; i < LATE; i++) late.push(await store.issue(`late-${i}`, opensAt + i, opensAt));
    expect(late.map((issued) => issued.position)).toEqual(late.map((_, i) => EARLY + i + 1));
    expect(late.every((issued) => issued.status === 'WAITING')).toBe(true);

    const places = await Promise.all(early.map(async ({ token }) => (await store.lookup(token, opensAt + LATE))!));
    expect(places.every((view) => view.status === 'WAITING')).toBe(true);
    // Every early joiner has exactly one of the places 1..EARLY.
    expect(places.map((view) => view.position).sort((a, b) => a - b)).toEqual(Array.from({ length: EARLY }, (_, i) => i + 1));
    // ... in an order unrelated to when they joined (joining first bought nothing): |rho| stays within a
    // few standard errors (1/sqrt(n) = 0.018 for 3,000) of 0, where joining order kept would give 1.
    expect(Math.abs(rankCorrelation(early.map((_, i) => i + 1), places.map((view) => view.position)))).toBeLessThan(0.1);
    // Those who joined in the first tenth are not ahead on average either.
    const firstTenth = places.slice(0, EARLY / 10).reduce((sum, view) => sum + view.position, 0) / (EARLY / 10);
    expect(Math.abs(firstTenth - (EARLY + 1) / 2)).toBeLessThan(EARLY * 0.1);
    expect(await store.counts(opensAt + LATE)).toMatchObject({ preQueue: 0, waiting: EARLY + LATE });
  }, 60_000);

  it('when the opening is reached by many scripts at once (joins, looks, an admission tick), then it happens once: one place each, in one order for all', async () => {
    const store = newStore();
    const opensAt = Date.now() + 60_000;
    const early = await joinAll(store, 'racer', 1_000, (i) => opensAt - 5_000 + i, opensAt);

    const at = opensAt + 1;
    const [, looks] = await Promise.all([
      store.admit({ maxActive: 10, activeTtlMs: 60_000, abandonBefore: at - 60_000, now: at }),
      Promise.all(early.map(({ token }) => store.lookup(token, at))),
      joinAll(store, 'at-the-opening', 200, () => at, opensAt),
    ]);

    const again = await Promise.all(early.map(({ token }) => store.lookup(token, at)));
    // The first ten were admitted; everyone else's place was the same for every reader.
    expect(again.filter((view) => view?.status === 'ACTIVE')).toHaveLength(10);
    const waiting = again.filter((view) => view?.status === 'WAITING').map((view) => view!.position);
    expect(new Set(waiting).size).toBe(waiting.length);
    expect(await file.redis.zcard(`${store.prefix}waiting`)).toBe(1_000 - 10 + 200);
    expect(await file.redis.exists(`${store.prefix}pre`, `${store.prefix}opensAt`)).toBe(0);
    // No one who joined at the opening got ahead of anyone from the pre-queue.
    const preQueueLast = Math.max(...waiting);
    const joinedAtOpening = await Promise.all(Array.from({ length: 200 }, (_, i) => store.issue(`at-the-opening-${i}`, at, opensAt)));
    expect(Math.min(...joinedAtOpening.map((issued) => issued.position))).toBeGreaterThan(preQueueLast);
    expect(looks.every((view) => view !== undefined)).toBe(true);
  }, 60_000);

  it('when a pre-queue token leaves before the opening, then it is gone and takes no place at the opening', async () => {
    const store = newStore();
    const opensAt = Date.now() + 60_000;
    const [stay, go] = await joinAll(store, 'leaver', 2, (i) => opensAt - 1_000 + i, opensAt);
    expect(await store.leave(go!.token, opensAt - 500)).toBe('PRE_QUEUE');

    expect(await store.lookup(go!.token, opensAt + 1)).toBeUndefined();
    expect(await store.lookup(stay!.token, opensAt + 1)).toMatchObject({ status: 'WAITING', position: 1 });
  });
});
