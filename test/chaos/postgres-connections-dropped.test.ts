import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import type { PlatformService } from '../support/platform';
import { startArrivals, type ResilientJourneyResult } from './support/resilient-journey';
import { Traffic } from './support/traffic';
import { auditOutcome, auditUntilClean, cleanAudit, LONG, SCENARIO_TIMEOUT_MS, startChaosPlatform, terminateBackends, reportScenario, type ChaosPlatform } from './support/chaos-platform';

const USERS = LONG ? 120 : 30;
const ARRIVALS_MS = LONG ? 40_000 : 10_000;
/** Rounds of "every connection of every service terminated", a moment apart. */
const ROUNDS = LONG ? 10 : 3;
const SERVICES: PlatformService[] = ['payment', 'booking', 'gateway', 'sink'];

/*
 * The shared Postgres server keeps running; what goes away is every connection each service holds
 * (pg_terminate_backend on the backends named after its schema), several times while users go through
 * — as after a failover or a DBA killing sessions. Each service must recover by itself, without a
 * restart, and a request caught in the middle must fail cleanly (4xx or 503 with Retry-After), never
 * a 500 and never a hang.
 */
describe('fault: every service\'s Postgres connections terminated mid-load', () => {
  const traffic = new Traffic();
  let chaos: ChaosPlatform;
  let results: ResilientJourneyResult[];
  let pidsBefore: number[];
  let terminated = 0;
  let lastCutAt = 0;

  beforeAll(async () => {
    chaos = await startChaosPlatform({ seatsPerSchedule: USERS, maxActive: 15 });
    const { platform } = chaos;
    pidsBefore = SERVICES.map((s) => platform.processes[s].pid);
    const load = startArrivals(platform.gatewayUrl, { prefix: `pg-cut-${randomUUID().slice(0, 6)}`, users: USERS, durationMs: ARRIVALS_MS, traffic, deadline: Date.now() + ARRIVALS_MS + 180_000 });

    await waitFor('payments under way', async () => (traffic.calls.some((c) => c.route === 'payments' && c.status === 201) ? true : undefined), 120_000, 20);
    for (let round = 0; round < ROUNDS; round++) {
      for (const service of SERVICES) terminated += await terminateBackends(platform, service);
      lastCutAt = Date.now();
      await sleep(ARRIVALS_MS / ROUNDS / 2);
    }
    results = await load.done;
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    await chaos?.close();
  }, 60_000);

  it('when connections are cut under load, then no request got a 500 or hung, and every user still paid', () => {
    expect(terminated).toBeGreaterThan(0);
    expect(traffic.unexplainedServerErrors()).toEqual([]);
    expect(results.filter((r) => r.paid).map((r) => r.userId)).toEqual(results.map((r) => r.userId));
  });

  it('when the cuts are over, then every service answers ready again from the same process (no restart)', async () => {
    const { platform } = chaos;
    const alive = (pid: number) => { try { return process.kill(pid, 0); } catch { return false; } };
    expect(pidsBefore.map(alive)).toEqual(SERVICES.map(() => true));
    const ready = await waitFor('every service ready', async () => {
      const statuses = await Promise.all(SERVICES.map(async (s) => ((await (await fetch(`${platform.processes[s].url}/health/ready`)).json()) as { status: string }).status));
      return statuses.every((status) => status === 'ready') ? statuses : undefined;
    });

    expect(ready).toEqual(SERVICES.map(() => 'ready'));
    expect(SERVICES.map((s) => platform.processes[s].pid)).toEqual(pidsBefore);
  });

  it('when the dust settles, then money, seats, events and tokens audit exactly', async () => {
    const { checks, cleanAt } = await auditUntilClean(chaos, 90_000);

    reportScenario({
      scenario: 'Postgres connections terminated',
      users: USERS,
      results,
      traffic,
      faultEndedAt: lastCutAt,
      recoveredAt: traffic.firstSuccess(lastCutAt, () => true),
      cleanAt,
      notes: `${ROUNDS} rounds, ${terminated} backends terminated across the four services`,
    });
    expect(auditOutcome(checks)).toEqual(cleanAudit(checks));
  }, 120_000);
});
