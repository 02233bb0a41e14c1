import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import { startArrivals, type ResilientJourneyResult } from './support/resilient-journey';
import { Traffic } from './support/traffic';
import { auditOutcome, auditUntilClean, cleanAudit, LONG, SCENARIO_TIMEOUT_MS, queryOne, seconds, startChaosPlatform, reportScenario, type ChaosPlatform } from './support/chaos-platform';

const USERS = LONG ? 120 : 30;
const ARRIVALS_MS = LONG ? 40_000 : 10_000;
const DOWN_MS = LONG ? 10_000 : 2_000;

/*
 * Payment is killed with SIGKILL while users are paying (payments in every state of the saga), stays
 * down a moment, and is started again with the same settings. Users retry with their Idempotency-Key;
 * recovery finishes or refunds what the crash left PENDING; the audit must then be exact.
 */
describe('fault: payment killed (kill -9) mid-load, then restarted', () => {
  const traffic = new Traffic();
  let chaos: ChaosPlatform;
  let results: ResilientJourneyResult[];
  let killedAt = 0;
  let restartedAt = 0;
  let settledFromLog = 0;

  beforeAll(async () => {
    chaos = await startChaosPlatform({ seatsPerSchedule: USERS, maxActive: 15 });
    const { platform } = chaos;
    const load = startArrivals(platform.gatewayUrl, { prefix: `pay-crash-${randomUUID().slice(0, 6)}`, users: USERS, durationMs: ARRIVALS_MS, traffic, deadline: Date.now() + ARRIVALS_MS + 180_000 });

    // Kill once payments are flowing: a few completed, more on the way.
    await waitFor('payments under way', async () => (traffic.calls.filter((c) => c.route === 'payments' && c.status === 201).length >= 3 ? true : undefined), 120_000, 20);
    killedAt = Date.now();
    await platform.kill('payment', 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    const restarted = await platform.start('payment');
    restartedAt = Date.now();
    results = await load.done;
    settledFromLog = restarted.output().filter((line) => line.includes('pending payment settled by recovery')).length;
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    await chaos?.close();
  }, 60_000);

  it('when users retry through the outage, then every user pays once, and nobody saw a 500 or a hang', () => {
    expect(results.filter((r) => r.paid).map((r) => r.userId)).toEqual(results.map((r) => r.userId));
    expect(traffic.unexplainedServerErrors()).toEqual([]);
  });

  it('when the dust settles, then no payment is left PENDING, and money, seats, events and tokens audit exactly', async () => {
    const { payment } = chaos.platform.schemas;
    const { checks, cleanAt } = await auditUntilClean(chaos, 90_000);
    const states = await queryOne(chaos.platform, `
      SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, count(*) FILTER (WHERE status = 'PENDING') AS pending,
             count(*) FILTER (WHERE status = 'REFUNDED') AS refunded,
             (SELECT count(*) FROM "${payment.schema}".ledger_entries WHERE type = 'PAYMENT') AS deductions
        FROM "${payment.schema}".payments`);

    reportScenario({
      scenario: 'payment kill -9',
      users: USERS,
      results,
      traffic,
      faultEndedAt: restartedAt,
      recoveredAt: traffic.firstSuccess(restartedAt, (c) => c.route === 'payments' || c.route === 'balance'),
      cleanAt,
      notes: `down ${seconds(killedAt, restartedAt)} s; ${settledFromLog} payment(s) settled by recovery; ${states.refunded} refunded`,
    });
    expect(auditOutcome(checks)).toEqual(cleanAudit(checks));
    expect(states.pending).toBe('0');
    // Every user paid exactly once: one completed payment each, and one deduction per payment ever started.
    expect(Number(states.completed)).toBe(USERS);
    expect(Number(states.deductions)).toBe(Number(states.completed) + Number(states.refunded));
  }, 120_000);
});
