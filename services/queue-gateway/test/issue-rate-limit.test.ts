import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody, IssueTokenResponse } from '@ticketing/contracts';
import { readLivePid, startRedisServer, stopProcess } from '@ticketing/devstack';
import { freePort } from '@ticketing/devstack/testing';
import { keyedLimit, type RateLimit } from '../src/data-access/rate.limiter';
import { bodyIdentity } from '../src/entry-points/http/caller-identity';
import { doorRig, send, type Door } from './support/identity-kit';
import { keysUnder, openRedis, silentLogger } from './support/queue-test-kit';

/*
 * Rate limits on POST /queue/tokens, counted in Redis under QUEUE_KEY_PREFIX (shared by every gateway
 * instance), with real concurrent requests; and what happens when the limiter's Redis goes away.
 */

const scratch = mkdtempSync(join(tmpdir(), 'qg-ratelimit-'));
const rig = doorRig();

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A door whose limits count in `limitRedis` (the shared test Redis unless told otherwise). */
async function doorWith(limits: { perUser: RateLimit; perAddress: RateLimit }, limitRedis: Redis = rig.redis) {
  const prefix = rig.prefixes.next();
  const limit = (name: string, rate: RateLimit) => keyedLimit({ redis: limitRedis, keyPrefix: `${prefix}rl:${name}`, limit: rate, logger: silentLogger() });
  return rig.open({ prefix, identify: bodyIdentity, issueLimits: { perUser: limit('user', limits.perUser), perAddress: limit('address', limits.perAddress) } });
}

const issue = (door: Door, userId: string) => send(door, 'POST', '/queue/tokens', { body: { userId } });
const OFF: RateLimit = { points: 0, windowSeconds: 1 };

function expectRateLimited(answer: { status: number; body: unknown; headers: Headers }, windowSeconds: number): void {
  expect(answer.status).toBe(429);
  expect(ErrorBody.parse(answer.body).code).toBe('QUEUE.RATE_LIMITED');
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

describe('POST /queue/tokens: per-user limit', () => {
  it('when one user asks 30 times at once with a limit of 10 a minute, then exactly 10 answers carry the token and 20 are 429 with Retry-After', async () => {
    const { door, prefix } = await doorWith({ perUser: { points: 10, windowSeconds: 60 }, perAddress: OFF });

    const answers = await Promise.all(Array.from({ length: 30 }, () => issue(door, 'hasty-user')));

    const served = answers.filter((a) => a.status === 201 || a.status === 200);
    expect(served).toHaveLength(10);
    expect(new Set(served.map((a) => IssueTokenResponse.parse(a.body).token)).size).toBe(1);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(20);
    for (const answer of refused) expectRateLimited(answer, 60);
    expect(await rig.redis.zcard(`${prefix}waiting`)).toBe(1);
    expect(await rig.redis.get(`${prefix}rl:user:hasty-user`)).toBe('30');
  });

  it('when one user is over the limit, then another user is still served', async () => {
    const { door } = await doorWith({ perUser: { points: 2, windowSeconds: 60 }, perAddress: OFF });
    await Promise.all([issue(door, 'greedy'), issue(door, 'greedy'), issue(door, 'greedy')]);

    const [greedy, patient] = await Promise.all([issue(door, 'greedy'), issue(door, 'patient')]);

    expect(greedy.status).toBe(429);
    expect(patient.status).toBe(201);
  });

  it("when the user's window has passed, then the user is served again", async () => {
    const { door } = await doorWith({ perUser: { points: 1, windowSeconds: 1 }, perAddress: OFF });
    const first = await issue(door, 'returning-user');
    const refused = await issue(door, 'returning-user');

    // Waits out the window (Retry-After says how long), then asks again.
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers.get('retry-after')) * 1_000 + 100));
    const again = await issue(door, 'returning-user');

    expect([first.status, refused.status, again.status]).toEqual([201, 429, 200]);
  });
});

describe('POST /queue/tokens: per-address limit', () => {
  it('when 40 users join at once from one address with a limit of 15, then 15 join, 25 get 429, and only 15 places exist', async () => {
    const { door, prefix } = await doorWith({ perUser: { points: 10, windowSeconds: 60 }, perAddress: { points: 15, windowSeconds: 60 } });

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => issue(door, `neighbour-${i}`)));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(15);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(25);
    for (const answer of refused) expectRateLimited(answer, 60);
    expect(await rig.redis.zcard(`${prefix}waiting`)).toBe(15);
    // Refused by address before identity: none of the 25 used up a per-user allowance.
    const userCounters = (await keysUnder(rig.redis, `${prefix}rl:user:`)).length;
    expect(userCounters).toBe(15);
  });

  it('when requests are refused, then the refusals are counted by limit in /metrics', async () => {
    const { door } = await doorWith({ perUser: { points: 1, windowSeconds: 60 }, perAddress: { points: 3, windowSeconds: 60 } });
    await issue(door, 'metric-user');
    await issue(door, 'metric-user'); // user limit
    await issue(door, 'other-user');
    await issue(door, 'third-user'); // address limit

    const text = await door.metrics.metrics();

    expect(text).toMatch(/queue_token_rate_limited_total\{limit="user"[^}]*\} 1/);
    expect(text).toMatch(/queue_token_rate_limited_total\{limit="address"[^}]*\} 1/);
  });
});

describe("POST /queue/tokens: the limiter's Redis goes away", () => {
  let own: { port: number; dir: string };
  let limitRedis: Redis;

  beforeAll(async () => {
    own = { port: await freePort(), dir: join(scratch, 'redis') };
    const { url } = await startRedisServer(own);
    limitRedis = await openRedis(url, { failFast: true });
  }, 60_000);

  afterAll(async () => {
    limitRedis?.disconnect();
    const pidFile = join(own.dir, 'redis.pid');
    const pid = readLivePid(pidFile);
    if (pid !== undefined) await stopProcess(pid, pidFile);
  });

  it('when the Redis the limits count in is stopped, then requests are still limited in memory and none becomes a 5xx', async () => {
    const { door, prefix } = await doorWith({ perUser: { points: 3, windowSeconds: 60 }, perAddress: { points: 1_000, windowSeconds: 60 } }, limitRedis);
    expect((await issue(door, 'before-outage')).status).toBe(201);
    expect(await limitRedis.get(`${prefix}rl:user:before-outage`)).toBe('1');

    const pidFile = join(own.dir, 'redis.pid');
    await stopProcess(readLivePid(pidFile)!, pidFile);
    const answers = await Promise.all(Array.from({ length: 10 }, () => issue(door, 'during-outage')));

    expect(answers.every((a) => a.status < 500)).toBe(true);
    expect(answers.filter((a) => a.status === 201 || a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(7);
    expect(await rig.redis.get(`${prefix}u:during-outage`)).not.toBeNull();
  });
});
