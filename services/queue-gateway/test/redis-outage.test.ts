import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readLivePid, startRedisServer, stopProcess } from '@ticketing/devstack';
import { freePort, waitFor } from '@ticketing/devstack/testing';
import { startAdmission } from '../src/entry-points/jobs/admission.job';
import { defaultConfig } from './support/queue-test-kit';
import { activeTokens, gatewayRig, silentLogger, through } from './support/gateway-fixture';

/*
 * The gateway's token checks pointed at a redis-server this file owns, which it stops mid-test: answers
 * must come from the Postgres copy (kept current by the fallback sync) and the breaker must open, then
 * close again once Redis is back. The shared Redis is never touched.
 */

const scratch = mkdtempSync(join(tmpdir(), 'qg-outage-'));
let redisServer: { port: number; dir: string };
let redisUrl: string;
let active: string;
let waiting: string;

const stopRedis = async () => {
  const pidFile = join(redisServer.dir, 'redis.pid');
  const pid = readLivePid(pidFile);
  if (pid !== undefined) await stopProcess(pid, pidFile);
};

beforeAll(async () => {
  redisServer = { port: await freePort(), dir: join(scratch, 'redis') };
  redisUrl = (await startRedisServer(redisServer)).url;
});

const rig = gatewayRig({
  schema: 'outage',
  redisUrl: () => redisUrl,
  sync: true,
  gateway: () => ({ breaker: { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 3_000 } }),
});

beforeAll(async () => {
  [active] = await activeTokens(rig.store, ['early-bird']);
  waiting = (await rig.store.issue('late-comer', Date.now())).token;
});

afterAll(async () => {
  await stopRedis();
  rmSync(scratch, { recursive: true, force: true });
});

describe('token checks while the gateway\'s Redis is down', () => {
  it('when Redis answers, then tokens are checked in Redis and the sync has copied them to Postgres', async () => {
    await rig.sync.flush();

    expect((await rig.gateway.lookup.lookup(active, Date.now())).source).toBe('redis');
    expect(await rig.repository.findByToken(active)).toMatchObject({ userId: 'early-bird', status: 'ACTIVE' });
    expect(await rig.repository.findByToken(waiting)).toMatchObject({ userId: 'late-comer', status: 'WAITING' });
    expect((await through(rig.gateway, '/concerts', { token: active })).status).toBe(201);
  });

  it('when Redis stops, then active tokens still pass (from Postgres), waiting get 403, unknown 401, never a 5xx, and the breaker opens', async () => {
    const forwardedBefore = rig.booking.received.length;
    await stopRedis();

    const rounds = [];
    for (let round = 0; round < 15; round += 1) {
      rounds.push(
        await Promise.all([
          through(rig.gateway, '/concerts', { token: active }),
          through(rig.gateway, '/concerts', { token: waiting }),
          through(rig.gateway, '/concerts', { token: randomBytes(32).toString('base64url') }),
        ]),
      );
    }

    expect(rounds.map(([a]) => a.status)).toEqual(rounds.map(() => 201));
    expect(rounds.map(([, w]) => w.status)).toEqual(rounds.map(() => 403));
    expect(rounds.map(([, , u]) => u.status)).toEqual(rounds.map(() => 401));
    expect(rig.booking.received.slice(forwardedBefore).map((r) => r.headers['x-user-id'])).toEqual(rounds.map(() => 'early-bird'));
    // Probed with a call: after resetTimeoutMs the breaker half-opens until the next call fails again.
    await waitFor('breaker open', async () => {
      await through(rig.gateway, '/concerts', { token: active });
      return rig.gateway.lookup.state() === 'open' ? true : undefined;
    }, 10_000, 50);
    expect((await rig.gateway.lookup.lookup(active, Date.now())).source).toBe('postgres');
    const metrics = await rig.gateway.metrics.metrics();
    expect(metrics).toMatch(/queue_token_breaker_state\{state="open"[^}]*\} 1/);
    expect(metrics).toMatch(/queue_token_fallbacks_total\{reason="open"[^}]*\} [1-9]/);
  }, 60_000);

  it('when Redis comes back, then the breaker closes, tokens are checked in Redis again and the sync resumes', async () => {
    await startRedisServer(redisServer);

    // The breaker only closes after a trial call succeeds, so keep calling as clients would.
    await waitFor('breaker closed', async () => {
      const answer = await through(rig.gateway, '/concerts', { token: active });
      return answer.status === 201 && rig.gateway.lookup.state() === 'closed' ? true : undefined;
    }, 30_000, 100);

    const joinedAfter = (await rig.store.issue('after-the-outage', Date.now())).token;
    await waitFor('the sync copies again', async () => {
      await rig.sync.flush();
      return (await rig.repository.findByToken(joinedAfter))?.status === 'WAITING' ? true : undefined;
    });

    expect((await rig.gateway.lookup.lookup(active, Date.now())).source).toBe('redis');
    expect((await through(rig.gateway, '/concerts', { token: waiting })).status).toBe(403);
    expect(await rig.gateway.metrics.metrics()).toMatch(/queue_token_breaker_state\{state="closed"[^}]*\} 1/);
  }, 60_000);

  it('when a user is admitted and Redis stops before the sync has copied the admission, then the Postgres copy already lets them through (write-through)', async () => {
    const edge = (await rig.store.issue('at-the-edge', Date.now())).token;
    await rig.sync.flush();
    expect(await rig.repository.findByToken(edge)).toMatchObject({ status: 'WAITING' });
    await rig.sync.close();

    const admission = startAdmission({
      redisTarget: { url: redisUrl },
      store: rig.store,
      config: defaultConfig(rig.prefix, { QUEUE_MAX_ACTIVE: 100 }),
      logger: silentLogger(),
      onAdmitted: (tokens, at, expiresAt) => rig.repository.markAdmitted(tokens, at, expiresAt),
    });
    admission.admitNow();
    await waitFor('the admission', async () => ((await rig.gateway.lookup.lookup(edge, Date.now())).view?.status === 'ACTIVE' ? true : undefined));
    await admission.close();
    await stopRedis();

    const answers = [];
    for (let round = 0; round < 10; round += 1) answers.push((await through(rig.gateway, '/concerts', { token: edge })).status);
    expect(answers).toEqual(answers.map(() => 201));
    expect((await rig.gateway.lookup.lookup(edge, Date.now())).source).toBe('postgres');
  }, 60_000);
});
