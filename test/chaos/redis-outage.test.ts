import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import { startArrivals, type ResilientJourneyResult } from './support/resilient-journey';
import { Traffic } from './support/traffic';
import { AS_OPERATOR } from '../support/platform';
import { auditOutcome, auditUntilClean, cleanAudit, LONG, SCENARIO_TIMEOUT_MS, queryOne, seconds, startChaosPlatform, reportScenario, type ChaosPlatform } from './support/chaos-platform';

const USERS = LONG ? 150 : 30;
const DOWN_MS = LONG ? 30_000 : 5_000;
/** Arrivals span the outage: some users are active when Redis dies, some arrive while it is down. */
const ARRIVALS_MS = LONG ? 60_000 : 14_000;
const PROTECTED = new Set(['concerts', 'schedules', 'reservations', 'balance', 'payments']);

/*
 * The Redis of the gateway and booking (a redis-server this test owns, AOF on as deployed) is killed
 * with SIGKILL while users go through, stays down, and is started again from its AOF. Active users
 * must keep going (token checks answered from the gateway's Postgres copy once the breaker opens), new
 * joins must get a clear 503 with Retry-After, nothing else may fail with a 5xx, and once Redis is back
 * the breaker closes, admission resumes, and the audit is exact.
 */
describe('fault: Redis killed (kill -9) mid-load, restarted from its AOF', () => {
  const traffic = new Traffic();
  let chaos: ChaosPlatform;
  let results: ResilientJourneyResult[];
  let killedAt = 0;
  let restartedAt = 0;
  let breakerOpenAt: number | undefined;
  let breakerClosedAt: number | undefined;
  let joinDuringOutage: { status: number; code?: string; retryAfter: string | null } | undefined;
  let probeDuringOutage: number[] = [];

  const breakerState = async (): Promise<string | undefined> => {
    const metrics = await (await fetch(`${chaos.platform.gatewayUrl}/metrics`, { headers: AS_OPERATOR })).text();
    return /queue_token_breaker_state\{state="(\w+)"[^}]*\} 1/.exec(metrics)?.[1];
  };

  beforeAll(async () => {
    chaos = await startChaosPlatform({ seatsPerSchedule: USERS, maxActive: 10 });
    const { platform, redis } = chaos;
    // One admitted user whose ACTIVE state has reached the gateway's Postgres copy: the deterministic
    // witness that admitted users keep going (the load's own calls depend on timing).
    const gateway = platform.gatewayUrl;
    const probe = (await (await fetch(`${gateway}/queue/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `probe-${randomUUID().slice(0, 6)}` }) })).json()) as { token: string };
    await waitFor('the probe admitted and copied to Postgres', async () => {
      const row = await queryOne(platform, `SELECT status FROM "${platform.schemas.gateway.schema}".queue_tokens WHERE token = '${probe.token}'`);
      if (row?.status !== 'ACTIVE') await fetch(`${gateway}/queue/tokens/me`, { headers: { 'x-queue-token': probe.token } });
      return row?.status === 'ACTIVE' ? true : undefined;
    }, 60_000, 200);
    const load = startArrivals(platform.gatewayUrl, { prefix: `redis-${randomUUID().slice(0, 6)}`, users: USERS, durationMs: ARRIVALS_MS, traffic, deadline: Date.now() + ARRIVALS_MS + DOWN_MS + 180_000 });

    // Kill once users are mid-flow: some paid, others active or waiting.
    await waitFor('payments under way', async () => (traffic.calls.some((c) => c.route === 'payments' && c.status === 201) ? true : undefined), 120_000, 20);
    killedAt = Date.now();
    await redis.stop('SIGKILL');
    breakerOpenAt = await waitFor('breaker open', async () => ((await breakerState()) === 'open' ? Date.now() : undefined), DOWN_MS, 100).catch(() => undefined);
    const join = await fetch(`${platform.gatewayUrl}/queue/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `late-${randomUUID().slice(0, 6)}` }) });
    joinDuringOutage = { status: join.status, code: ((await join.json()) as { code?: string }).code, retryAfter: join.headers.get('retry-after') };
    probeDuringOutage = await Promise.all(['/concerts', '/balance'].map(async (path) => (await fetch(`${gateway}${path}`, { headers: { 'x-queue-token': probe.token } })).status));
    await sleep(Math.max(0, killedAt + DOWN_MS - Date.now()));

    await redis.start();
    restartedAt = Date.now();
    breakerClosedAt = await waitFor('breaker closed', async () => ((await breakerState()) === 'closed' ? Date.now() : undefined), 60_000, 100);
    results = await load.done;
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    await chaos?.close();
  }, 60_000);

  it('when Redis dies, then the breaker opens, active users keep going from the Postgres copy, and a new join gets 503 QUEUE.UNAVAILABLE with Retry-After', () => {
    expect(breakerOpenAt).toBeDefined();
    expect(probeDuringOutage).toEqual([200, 200]);
    expect(joinDuringOutage).toEqual({ status: 503, code: 'QUEUE.UNAVAILABLE', retryAfter: '1' });
  });

  it('when users retry through the outage, then every 5xx any user saw is a 503 with Retry-After (the queue\'s, or a dependency too slow), and every user paid', () => {
    const serverErrors = Object.keys(traffic.errorsByCode()).filter((key) => !/^[1-4]\d\d /.test(key));

    expect(traffic.unexplainedServerErrors()).toEqual([]);
    // COMMON.UNAVAILABLE: payment's "booking did not answer in time" (3 s), seen once on an overloaded
    // machine; retryable, and the payment is settled either way.
    expect(serverErrors.filter((key) => key !== '503 QUEUE.UNAVAILABLE' && key !== '503 COMMON.UNAVAILABLE')).toEqual([]);
    expect(results.filter((r) => r.paid).map((r) => r.userId)).toEqual(results.map((r) => r.userId));
  });

  it('when Redis is back, then the breaker closed, and money, seats, events and tokens (no paid user still active, never more than the max) audit exactly', async () => {
    const { checks, cleanAt } = await auditUntilClean(chaos, 90_000);

    reportScenario({
      scenario: 'Redis kill -9 + AOF restart',
      users: USERS,
      results,
      traffic,
      faultEndedAt: restartedAt,
      recoveredAt: breakerClosedAt,
      cleanAt,
      notes: `down ${seconds(killedAt, restartedAt)} s; ${traffic.between(killedAt, restartedAt).filter((c) => PROTECTED.has(c.route) && c.status === 200).length} protected calls answered during it; breaker open ${seconds(killedAt, breakerOpenAt)} s after the kill; ${results.reduce((n, r) => n + r.requeued, 0)} user(s) had to queue again`,
    });
    expect(breakerClosedAt).toBeDefined();
    expect(auditOutcome(checks)).toEqual(cleanAudit(checks));
  }, 120_000);
});
