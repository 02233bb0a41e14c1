import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import { startArrivals, type ResilientJourneyResult } from './support/resilient-journey';
import { Traffic } from './support/traffic';
import { auditOutcome, auditUntilClean, cleanAudit, LONG, SCENARIO_TIMEOUT_MS, queryOne, seconds, startChaosPlatform, reportScenario, type ChaosPlatform } from './support/chaos-platform';

const USERS = LONG ? 150 : 30;
const DOWN_MS = LONG ? 60_000 : 10_000;
const ARRIVALS_MS = LONG ? 80_000 : 16_000;

/*
 * The platform's Kafka broker is killed (SIGKILL) while users pay, stays down, and is started again on
 * the same ports and data. Payments must keep completing (the PaymentCompleted rows wait in payment's
 * transactional outbox); after the broker returns the outbox drains, the sink stores exactly one event
 * per completed payment, and the gateway expires every payer's token.
 */
describe('fault: Kafka broker killed mid-load, restarted later', () => {
  const traffic = new Traffic();
  let chaos: ChaosPlatform;
  let results: ResilientJourneyResult[];
  let stoppedAt = 0;
  let restartedAt = 0;
  let backlog = 0;
  let drainedAt: number | undefined;

  const unpublished = async () => {
    const { payment } = chaos.platform.schemas;
    return Number((await queryOne(chaos.platform, `SELECT count(*) AS n FROM "${payment.schema}".outbox_events WHERE published_at IS NULL`)).n);
  };

  beforeAll(async () => {
    chaos = await startChaosPlatform({ seatsPerSchedule: USERS, maxActive: 15 });
    const { platform } = chaos;
    const load = startArrivals(platform.gatewayUrl, { prefix: `kafka-${randomUUID().slice(0, 6)}`, users: USERS, durationMs: ARRIVALS_MS, traffic, deadline: Date.now() + ARRIVALS_MS + DOWN_MS + 180_000 });

    await waitFor('payments under way', async () => (traffic.calls.some((c) => c.route === 'payments' && c.status === 201) ? true : undefined), 120_000, 20);
    stoppedAt = Date.now();
    await platform.kafka.stop('SIGKILL');
    await sleep(DOWN_MS);
    backlog = await unpublished();
    await platform.kafka.start();
    restartedAt = Date.now();
    // Watched while users are still paying: the first moment the backlog is gone.
    const drained = waitFor('the outbox to drain', async () => ((await unpublished()) === 0 ? Date.now() : undefined), 180_000, 200);
    results = await load.done;
    drainedAt = await drained;
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    await chaos?.close();
  }, 60_000);

  it('when Kafka is down, then payments keep completing (their events wait in the outbox), and no user saw a 5xx', () => {
    const paidDuringOutage = traffic.between(stoppedAt, restartedAt).filter((c) => c.route === 'payments' && c.status === 201);

    expect(paidDuringOutage.length).toBeGreaterThan(0);
    expect(backlog).toBeGreaterThan(0);
    expect(Object.keys(traffic.errorsByCode()).filter((key) => !/^4\d\d /.test(key))).toEqual([]);
    expect(results.filter((r) => r.paid).map((r) => r.userId)).toEqual(results.map((r) => r.userId));
  });

  it('when Kafka is back, then the outbox drains, the sink holds exactly one event per completed payment, every payer\'s token expired, and the audit is exact', async () => {
    const { payment, sink } = chaos.platform.schemas;
    const { checks, cleanAt } = await auditUntilClean(chaos, 120_000);
    const counts = await queryOne(chaos.platform, `
      SELECT (SELECT count(*) FROM "${payment.schema}".payments WHERE status = 'COMPLETED') AS completed,
             (SELECT count(*) FROM "${sink.schema}".stored_events) AS stored`);

    reportScenario({
      scenario: 'Kafka broker down',
      users: USERS,
      results,
      traffic,
      faultEndedAt: restartedAt,
      recoveredAt: drainedAt,
      cleanAt,
      notes: `down ${seconds(stoppedAt, restartedAt)} s; ${backlog} event(s) waited in the outbox; recovery = outbox drained`,
    });
    expect(counts).toEqual({ completed: String(USERS), stored: String(USERS) });
    expect(auditOutcome(checks)).toEqual(cleanAudit(checks));
  }, 150_000);
});
