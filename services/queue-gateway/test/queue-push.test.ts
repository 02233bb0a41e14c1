import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { QueueAdmittedEvent, QueuePositionEvent, TokenStatusResponse } from '@ticketing/contracts';
import { startAdmission, type Admission } from '../src/entry-points/jobs/admission.job';
import { REDIS_URL, call, changes, defaultConfig, deleteKeysUnder, filePrefix, openRedis, silentLogger, startQueueApp, type QueueApp } from './support/queue-test-kit';

/*
 * Waiting without polling (API.md): the long-poll and the event stream are told of an admission by the
 * queue's feed, not by asking Redis again. No admission tick runs in these tests (its interval is an
 * hour): whatever admits a waiter here is a freed slot or an explicit admission, pushed.
 */

const prefixes = filePrefix();
let redis: Redis;
const opened: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  redis = await openRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});
afterAll(async () => {
  await deleteKeysUnder(redis, prefixes.base);
  await redis.quit();
});

const NO_TICK = { QUEUE_ADMISSION_INTERVAL_MS: 3_600_000 };

async function gateway(prefix: string, maxActive: number, options: { abandonAfterSeconds?: number } = {}): Promise<{ app: QueueApp; admission: Admission; connection: Redis }> {
  // Each "process" has its own connections, room and admitter, as two gateway processes would.
  const connection = await openRedis();
  const config = defaultConfig(prefix, { QUEUE_MAX_ACTIVE: maxActive, ...NO_TICK, QUEUE_ABANDON_AFTER_SECONDS: options.abandonAfterSeconds ?? 60 });
  let admission: Admission | undefined;
  // No presence check either, unless the test is about presence: it re-reads states and would hide a lost push.
  const app = await startQueueApp(connection, config, {
    onSlotFreed: () => admission?.admitNow(),
    eventTiming: { sweepMs: 100, minPositionIntervalMs: 200 },
    presenceEveryMs: options.abandonAfterSeconds === undefined ? 3_600_000 : undefined,
  });
  admission = startAdmission({ redisTarget: { url: REDIS_URL }, store: app.store, config, logger: silentLogger() });
  const ready = admission;
  opened.push({ close: async () => { await app.close(); await ready.close(); await connection.quit(); } });
  return { app, admission: ready, connection };
}

const issue = async (app: QueueApp, userId: string) => {
  const res = await call(app.server, 'POST', '/queue/tokens', { body: { userId } });
  return res.body as { token: string; status: string; position: number };
};

/** Resolves with the long-poll's answer, or rejects when it took longer than `guardMs` (i.e. was not pushed). */
async function longPoll(app: QueueApp, token: string, wait = 60, guardMs = 20_000) {
  const guard = new AbortController();
  const timer = setTimeout(() => guard.abort(), guardMs);
  try {
    const res = await fetch(`${app.server.url}/queue/tokens/me?wait=${wait}`, { headers: { 'x-queue-token': token }, signal: guard.signal });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the room of `app` holds `n` connected waiters (the long-polls are parked). */
async function parked(app: QueueApp, n: number): Promise<void> {
  for (let i = 0; i < 500 && app.waiting.room.size < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(app.waiting.room.size).toBe(n);
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: unknown;
}

/** A minimal EventSource: the events of one stream as they come. */
async function openEvents(app: QueueApp, token: string, headers: Record<string, string> = {}) {
  const aborter = new AbortController();
  const res = await fetch(`${app.server.url}/queue/tokens/me/events`, { headers: { 'x-queue-token': token, ...headers }, signal: aborter.signal });
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (field === 'id') event.id = value;
            if (field === 'event') event.event = value;
            if (field === 'data') event.data = JSON.parse(value);
          }
          if (event.event) events.push(event);
          waiters.splice(0).forEach((wake) => wake());
        }
      }
    } catch {
      // aborted by the test
    }
    ended = true;
    waiters.splice(0).forEach((wake) => wake());
  })();
  const next = async (name: string, guardMs = 20_000): Promise<SseEvent> => {
    const deadline = Date.now() + guardMs;
    for (;;) {
      const found = events.find((e) => e.event === name);
      if (found) return found;
      if (ended || Date.now() > deadline) throw new Error(`no ${name} event (got ${JSON.stringify(events)})`);
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, 100);
      });
    }
  };
  return { res, events, next, ended: () => ended, close: () => aborter.abort() };
}

describe('GET /queue/tokens/me?wait=', () => {
  it('when the wait is out of range or unknown parameters are sent, then 400 VALIDATION.INVALID_QUERY', async () => {
    const { app } = await gateway(prefixes.next(), 1);
    const { token } = await issue(app, 'u1');
    for (const query of ['wait=0', 'wait=61', 'wait=abc', 'wait=1.5', 'wait=5&wait=6', 'other=1']) {
      const res = await fetch(`${app.server.url}/queue/tokens/me?${query}`, { headers: { 'x-queue-token': token } });
      expect({ query, status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ query, status: 400, code: 'VALIDATION.INVALID_QUERY' });
    }
  });

  it('when the token is already active, then it answers at once with the status body', async () => {
    const { app, admission } = await gateway(prefixes.next(), 1);
    const { token } = await issue(app, 'u1');
    admission.admitNow();
    const res = await longPoll(app, token, 60);
    expect(res.status).toBe(200);
    expect(TokenStatusResponse.parse(res.body)).toMatchObject({ status: 'ACTIVE', position: 0 });
  });

  it('when the wait runs out while still in line, then 200 WAITING with the current position', async () => {
    const { app, admission } = await gateway(prefixes.next(), 1);
    const first = await issue(app, 'u1');
    const second = await issue(app, 'u2');
    admission.admitNow();
    await longPoll(app, first.token);
    const res = await longPoll(app, second.token, 1);
    expect(res).toEqual({ status: 200, body: { status: 'WAITING', position: 1, estimatedWaitSeconds: expect.any(Number), expiresAt: null } });
  });

  it('when slots free one by one (a leave each), then the parked long-polls are answered ACTIVE in join order', async () => {
    const { app, admission } = await gateway(prefixes.next(), 1);
    const holder = await issue(app, 'holder');
    admission.admitNow();
    await longPoll(app, holder.token);
    const waiting = [];
    for (let i = 0; i < 15; i++) waiting.push(await issue(app, `w${i}`));
    const answered: number[] = [];
    const polls = waiting.map((w, i) => longPoll(app, w.token).then((res) => { answered.push(i); return res; }));
    await parked(app, 15);

    // Act: each ACTIVE user leaves as soon as they are told, which frees the slot for the next.
    let current = holder.token;
    for (let i = 0; i < 15; i++) {
      expect((await call(app.server, 'DELETE', '/queue/tokens/me', { token: current })).status).toBe(204);
      const res = await polls[i]!;
      expect(res.body.status).toBe('ACTIVE');
      current = waiting[i]!.token;
    }

    expect(answered).toEqual([...Array(15).keys()]);
  });

  it('when the waiter is connected to one gateway process and the slot is freed on another, then it is admitted by the push', async () => {
    const prefix = prefixes.next();
    const a = await gateway(prefix, 1);
    const b = await gateway(prefix, 1);
    const holder = await issue(b.app, 'holder');
    b.admission.admitNow();
    await longPoll(b.app, holder.token);
    const waiter = await issue(a.app, 'waiter');
    const poll = longPoll(a.app, waiter.token);
    await parked(a.app, 1);

    await call(b.app.server, 'DELETE', '/queue/tokens/me', { token: holder.token });

    const res = await poll;
    expect(res.body).toMatchObject({ status: 'ACTIVE', position: 0 });
    expect((await a.app.store.counts(Date.now())).active).toBe(1);
  });
});

/** One slot, taken by `holder`; then `ahead` and `me` waiting, in that order. */
async function meSecondInLine() {
  const { app, admission } = await gateway(prefixes.next(), 1);
  const holder = await issue(app, 'holder');
  admission.admitNow();
  await longPoll(app, holder.token);
  await issue(app, 'ahead');
  const me = await issue(app, 'me');
  return { app, holder, me };
}

describe('GET /queue/tokens/me/events', () => {
  it('when waiting, then position at once; admitted when a slot frees; expired when the token ends', async () => {
    const { app, holder, me } = await meSecondInLine();
    const stream = await openEvents(app, me.token);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const first = await stream.next('position');
    expect(QueuePositionEvent.parse(first.data)).toMatchObject({ position: 2 });

    // The holder leaves: "ahead" is admitted, and my position moves to 1 without my asking.
    await call(app.server, 'DELETE', '/queue/tokens/me', { token: holder.token });
    for (let i = 0; i < 100 && !stream.events.some((e) => e.event === 'position' && (e.data as { position: number }).position === 1); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stream.events.filter((e) => e.event === 'position').map((e) => (e.data as { position: number }).position)).toEqual([2, 1]);

    const ahead = (await redis.zrange(`${app.store.prefix}active`, '0', '-1'))[0]!;
    await call(app.server, 'DELETE', '/queue/tokens/me', { token: ahead });
    const admitted = await stream.next('admitted');
    expect(QueueAdmittedEvent.parse(admitted.data).status).toBe('ACTIVE');

    await call(app.server, 'DELETE', '/queue/tokens/me', { token: me.token });
    expect((await stream.next('expired')).data).toEqual({ status: 'EXPIRED' });
    const ids = stream.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    stream.close();
  });

  it('when the client reconnects with Last-Event-ID, then it keeps its place and the ids continue', async () => {
    const { app, me } = await meSecondInLine();
    const before = await openEvents(app, me.token);
    const seen = await before.next('position');
    before.close();

    const after = await openEvents(app, me.token, { 'last-event-id': String(seen.id) });
    const again = await after.next('position');

    expect(again.data).toMatchObject({ position: 2 });
    expect(Number(again.id)).toBeGreaterThan(Number(seen.id));
    after.close();
  });

  it('when the token is given as ?token= (EventSource), then it streams; an unknown token gets 401 and no stream', async () => {
    const { app } = await gateway(prefixes.next(), 1);
    const me = await issue(app, 'me');
    const res = await fetch(`${app.server.url}/queue/tokens/me/events?token=${me.token}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await res.body?.cancel();
    const unknown = await fetch(`${app.server.url}/queue/tokens/me/events?token=${'x'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { code: string }).code).toBe('QUEUE.TOKEN_INVALID');
  });

  it('when a connected waiter never polls past the abandonment window, then it keeps its place; a silent one without a stream is dropped', async () => {
    const { app, admission } = await gateway(prefixes.next(), 1, { abandonAfterSeconds: 2 });
    const holder = await issue(app, 'holder');
    admission.admitNow();
    await longPoll(app, holder.token);
    const silent = await issue(app, 'silent');
    const connected = await issue(app, 'connected');
    const stream = await openEvents(app, connected.token);
    await stream.next('position');

    await new Promise((r) => setTimeout(r, 3_500));
    admission.admitNow(); // the sweep drops whoever was silent for 2 s

    for (let i = 0; i < 50 && (await call(app.server, 'GET', '/queue/tokens/me', { token: silent.token })).status !== 401; i++) {
      admission.admitNow();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call(app.server, 'GET', '/queue/tokens/me', { token: silent.token })).status).toBe(401);
    expect((await call(app.server, 'GET', '/queue/tokens/me', { token: connected.token })).body).toMatchObject({ status: 'WAITING', position: 1 });
    stream.close();
  });
});

describe('slot release', () => {
  it('when leave, the gateway payment hook and the Kafka expiry race for the same slots, then each slot is freed exactly once', async () => {
    const prefix = prefixes.next();
    const a = await gateway(prefix, 10);
    const b = await gateway(prefix, 10);
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const tokens: string[] = [];
    for (const user of users) tokens.push((await issue(a.app, user)).token);
    a.admission.admitNow();
    await longPoll(a.app, tokens[0]!);
    for (let i = 0; i < 50 && (await a.app.store.counts(Date.now())).active < 10; i++) await new Promise((r) => setTimeout(r, 20));
    const active = tokens.slice(0, 10);

    // Act: for each active token, two leaves (one per process) and two user expiries, all at once;
    // each freed slot triggers an admission on the process that freed it.
    await Promise.all(
      active.flatMap((token, i) => [
        call(a.app.server, 'DELETE', '/queue/tokens/me', { token }),
        call(b.app.server, 'DELETE', '/queue/tokens/me', { token }),
        a.app.store.expireUser(users[i]!, Date.now()).then((t) => t && a.admission.admitNow()),
        b.app.store.expireUser(users[i]!, Date.now()).then((t) => t && b.admission.admitNow()),
      ]),
    );
    for (let i = 0; i < 100 && (await a.app.store.counts(Date.now())).active < 10; i++) await new Promise((r) => setTimeout(r, 20));

    const counts = await a.app.store.counts(Date.now());
    expect(counts).toMatchObject({ active: 10, waiting: 20 });
    const expired = (await changes(redis, prefix)).filter((c) => c.status === 'EXPIRED');
    expect(expired.map((c) => c.token).sort()).toEqual([...active].sort());
    expect(await redis.zrange(`${prefix}active`, '0', '-1')).toEqual(expect.arrayContaining(tokens.slice(10, 20)));
  });
});
