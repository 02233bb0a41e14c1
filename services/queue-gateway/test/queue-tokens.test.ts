import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ErrorBody, IssueTokenResponse, QueueStatsResponse, TokenStatusResponse } from '@ticketing/contracts';
import { Agent, fetch as undiciFetch } from 'undici';
import { call, changes, defaultConfig, deleteKeysUnder, filePrefix, keysUnder, openRedis, startQueueApp, type QueueApp, TEST_APP } from './support/queue-test-kit';

const prefixes = filePrefix();
let redis: Redis;
let queue: QueueApp;
let prefix: string;

beforeAll(async () => {
  redis = await openRedis();
});
beforeEach(async () => {
  prefix = prefixes.next();
  queue = await startQueueApp(redis, defaultConfig(prefix, { QUEUE_MAX_ACTIVE: 3 }));
});
afterEach(() => queue.close());
afterAll(async () => {
  await deleteKeysUnder(redis, prefixes.base);
  await redis.quit();
});

const issue = (userId: unknown) => call(queue.server, 'POST', '/queue/tokens', { body: { userId } });
const admitNow = () => queue.store.admit({ maxActive: 3, activeTtlMs: 60_000, abandonBefore: 0, now: Date.now() });

describe('POST /queue/tokens', () => {
  it('when 2,000 distinct users ask at once, then 2,000 distinct tokens with positions exactly 1..2,000, in that order in the waiting set', async () => {
    const users = Array.from({ length: 2_000 }, (_, i) => `user-${i}`);
    // All 2,000 are sent at once over 500 sockets: as many as the server's listen backlog (511) takes in
    // one burst, so the race is between real concurrent connections, not a refused SYN flood.
    const dispatcher = new Agent({ connections: 500 });

    const answers = await Promise.all(
      users.map(async (userId) => {
        const res = await undiciFetch(`${queue.server.url}/queue/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId }),
          dispatcher,
        });
        return { userId, status: res.status, body: IssueTokenResponse.parse(await res.json()) };
      }),
    );
    await dispatcher.close();

    expect(answers.every((a) => a.status === 201 && a.body.status === 'WAITING')).toBe(true);
    expect(answers.map((a) => a.body.position).sort((a, b) => a - b)).toEqual(users.map((_, i) => i + 1));
    expect(new Set(answers.map((a) => a.body.token)).size).toBe(2_000);
    const line = await redis.zrange(`${prefix}waiting`, '0', '-1');
    const byPosition = [...answers].sort((a, b) => a.body.position - b.body.position);
    expect(line).toEqual(byPosition.map((a) => a.body.token));
    const owners = await Promise.all(byPosition.map((a) => redis.get(`${prefix}u:${a.userId}`)));
    expect(owners).toEqual(byPosition.map((a) => a.body.token));
    const recorded = await changes(redis, prefix);
    expect(recorded.map((c) => [c.token, c.status])).toEqual(byPosition.map((a) => [a.body.token, 'WAITING']));
  });

  it('when the same user asks 20 times at once, then one token: one 201 and nineteen 200, and one place in line', async () => {
    await issue('someone-before');

    const answers = await Promise.all(Array.from({ length: 20 }, () => issue('eager-user')));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    const bodies = answers.map((a) => IssueTokenResponse.parse(a.body));
    expect(new Set(bodies.map((b) => b.token)).size).toBe(1);
    expect(bodies.every((b) => b.position === 2)).toBe(true);
    expect(await redis.zcard(`${prefix}waiting`)).toBe(2);
    expect(await redis.get(`${prefix}u:eager-user`)).toBe(bodies[0]!.token);
    expect((await changes(redis, prefix)).filter((c) => c.userId === 'eager-user')).toHaveLength(1);
  });

  it('when an admitted user asks again, then 200 with the same token, ACTIVE and position 0', async () => {
    const first = IssueTokenResponse.parse((await issue('admitted-user')).body);
    await admitNow();

    const again = await issue('admitted-user');

    expect(again.status).toBe(200);
    expect(IssueTokenResponse.parse(again.body)).toEqual({ token: first.token, status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0 });
    expect(await redis.zscore(`${prefix}active`, first.token)).not.toBeNull();
    expect(await redis.zcard(`${prefix}waiting`)).toBe(0);
  });

  const badBodies: Array<[string, unknown]> = [
    ['malformed JSON', '{"userId": "a"'],
    ['no userId', {}],
    ['an empty userId', { userId: '' }],
    ['a userId of 65 characters', { userId: 'a'.repeat(65) }],
    ['a userId with forbidden characters', { userId: 'bob smith' }],
    ['a numeric userId', { userId: 42 }],
    ['an unknown extra field', { userId: 'bob', admin: true }],
    ['an array', [{ userId: 'bob' }]],
    ['null', 'null'],
  ];
  it.each(badBodies)('when the body is %s, then 400 VALIDATION.* and nothing is written', async (_case, body) => {
    const res = await call(queue.server, 'POST', '/queue/tokens', { body });

    expect(res.status).toBe(400);
    expect(ErrorBody.parse(res.body).code).toMatch(/^VALIDATION\./);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });
});

describe('GET /queue/tokens/me', () => {
  it('when the token is waiting, then 200 with its position, an estimate and no expiry, and the poll refreshes its last-seen time', async () => {
    await issue('ahead');
    const mine = IssueTokenResponse.parse((await issue('polling-user')).body);
    await redis.zadd(`${prefix}seen`, 1, mine.token); // as if last seen long ago

    const res = await call(queue.server, 'GET', '/queue/tokens/me', { token: mine.token });

    expect(res.status).toBe(200);
    const body = TokenStatusResponse.parse(res.body);
    expect(body).toEqual({ status: 'WAITING', position: 2, estimatedWaitSeconds: expect.any(Number), expiresAt: null });
    expect(body.estimatedWaitSeconds).toBeGreaterThan(0);
    expect(Number(await redis.zscore(`${prefix}seen`, mine.token))).toBeGreaterThan(1);
  });

  it('when the token is active, then position 0 and the expiry of the slot', async () => {
    const mine = IssueTokenResponse.parse((await issue('active-user')).body);
    await admitNow();

    const res = await call(queue.server, 'GET', '/queue/tokens/me', { token: mine.token });

    const body = TokenStatusResponse.parse(res.body);
    expect(body).toMatchObject({ status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0 });
    expect(Date.parse(body.expiresAt!)).toBe(Number(await redis.zscore(`${prefix}active`, mine.token)));
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'not-a-token'],
    ['well-formed but unknown', 'A'.repeat(43)],
  ])('when the token is %s, then 401 QUEUE.TOKEN_INVALID and nothing is written', async (_case, token) => {
    const res = await call(queue.server, 'GET', '/queue/tokens/me', token === undefined ? {} : { token });

    expect(res.status).toBe(401);
    expect(ErrorBody.parse(res.body).code).toBe('QUEUE.TOKEN_INVALID');
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });
});

describe('DELETE /queue/tokens/me', () => {
  it('when a waiting user leaves, then 204, the users behind move up, the token is refused afterwards, and EXPIRED is recorded', async () => {
    const leaving = IssueTokenResponse.parse((await issue('leaving')).body);
    const behind = IssueTokenResponse.parse((await issue('behind')).body);

    const res = await call(queue.server, 'DELETE', '/queue/tokens/me', { token: leaving.token });

    expect(res.status).toBe(204);
    expect(await redis.zrange(`${prefix}waiting`, '0', '-1')).toEqual([behind.token]);
    expect(await redis.exists(`${prefix}t:${leaving.token}`, `${prefix}u:leaving`)).toBe(0);
    expect((await call(queue.server, 'GET', '/queue/tokens/me', { token: leaving.token })).status).toBe(401);
    expect(TokenStatusResponse.parse((await call(queue.server, 'GET', '/queue/tokens/me', { token: behind.token })).body).position).toBe(1);
    expect((await changes(redis, prefix)).at(-1)).toMatchObject({ token: leaving.token, userId: 'leaving', status: 'EXPIRED' });
  });

  it('when an active user leaves, then 204 and their slot is free', async () => {
    const mine = IssueTokenResponse.parse((await issue('active-leaver')).body);
    await admitNow();

    const res = await call(queue.server, 'DELETE', '/queue/tokens/me', { token: mine.token });

    expect(res.status).toBe(204);
    expect(await redis.zcard(`${prefix}active`)).toBe(0);
  });

  it('when the token is unknown, then 401 QUEUE.TOKEN_INVALID', async () => {
    const res = await call(queue.server, 'DELETE', '/queue/tokens/me', { token: 'B'.repeat(43) });

    expect(res.status).toBe(401);
    expect(ErrorBody.parse(res.body).code).toBe('QUEUE.TOKEN_INVALID');
  });
});

describe('GET /queue/stats', () => {
  it('when users wait and some are active, then their counts, maxActive, the admission rate and the breaker state', async () => {
    for (const userId of ['s1', 's2', 's3', 's4', 's5']) await issue(userId);
    await admitNow();

    const res = await call(queue.server, 'GET', '/queue/stats');

    expect(res.status).toBe(200);
    expect(QueueStatsResponse.parse(res.body)).toEqual({
      waiting: 2,
      active: 3,
      preQueue: 0,
      maxActive: 3,
      admissionRatePerSecond: expect.any(Number),
      breaker: 'CLOSED',
      connectedWaiters: 0,
      admissionLimit: { mode: 'fixed', limit: 3, min: 3, max: 3, targetP95Ms: 300 },
    });
    const metrics = await (await fetch(`${queue.server.url}/metrics`, { headers: { authorization: `Bearer ${TEST_APP.operatorToken}` } })).text();
    expect(metrics).toMatch(/queue_waiting\{[^}]*\} 2/);
    expect(metrics).toMatch(/queue_active\{[^}]*\} 3/);
  });
});
