import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@ticketing/devstack/testing';
import { startArrivals, type ResilientJourneyResult } from './support/resilient-journey';
import { Traffic } from './support/traffic';
import { AS_OPERATOR } from '../support/platform';
import { auditOutcome, auditUntilClean, cleanAudit, LONG, SCENARIO_TIMEOUT_MS, queryOne, seconds, startChaosPlatform, reportScenario, type ChaosPlatform } from './support/chaos-platform';

const USERS = LONG ? 120 : 30;
const ARRIVALS_MS = LONG ? 40_000 : 14_000;
const DOWN_MS = LONG ? 10_000 : 2_000;
const MAX_ACTIVE = 10;
/** Short holds, so a hold orphaned by a crash (its answer lost) must visibly expire within the test. */
const HOLD_TTL_SECONDS = 20;

/*
 * Booking is killed with SIGKILL mid-load and restarted, then the gateway: holds must end confirmed
 * or expired (never stuck HELD), admission must resume after the gateway's restart with never more
 * than the maximum active at once, and the audit must be exact.
 */
describe('fault: booking and then the gateway killed (kill -9) mid-load, each restarted', () => {
  const traffic = new Traffic();
  let chaos: ChaosPlatform;
  let results: ResilientJourneyResult[];
  let bookingRestartedAt = 0;
  let gatewayRestartedAt = 0;
  let admissionResumedAt: number | undefined;
  let maxActiveSeen = 0;

  const metric = async (name: string) => {
    const text = await (await fetch(`${chaos.platform.gatewayUrl}/metrics`, { headers: AS_OPERATOR })).text();
    return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    chaos = await startChaosPlatform({ seatsPerSchedule: USERS, maxActive: MAX_ACTIVE, env: { booking: { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) } } });
    const { platform } = chaos;
    let sampling = true;
    // The active count as clients see it, sampled all along: one admitter never over-admits.
    const sampler = (async () => {
      while (sampling) {
        const stats = await fetch(`${platform.gatewayUrl}/queue/stats`).then((r) => (r.ok ? (r.json() as Promise<{ active: number }>) : undefined)).catch(() => undefined);
        if (stats) maxActiveSeen = Math.max(maxActiveSeen, stats.active);
        await sleep(200);
      }
    })();
    const load = startArrivals(platform.gatewayUrl, { prefix: `crash-${randomUUID().slice(0, 6)}`, users: USERS, durationMs: ARRIVALS_MS, traffic, deadline: Date.now() + ARRIVALS_MS + 240_000 });

    await waitFor('payments under way', async () => (traffic.calls.some((c) => c.route === 'payments' && c.status === 201) ? true : undefined), 120_000, 20);
    await platform.kill('booking', 'SIGKILL');
    await sleep(DOWN_MS);
    await platform.start('booking');
    bookingRestartedAt = Date.now();

    await sleep(DOWN_MS);
    await platform.kill('gateway', 'SIGKILL');
    await sleep(DOWN_MS);
    await platform.start('gateway');
    gatewayRestartedAt = Date.now();
    // A fresh process counts from zero: its first admission is the admitter working again.
    admissionResumedAt = await waitFor('admission after the restart', async () => ((await metric('queue_admitted_total')) > 0 ? Date.now() : undefined), 90_000, 100).catch(() => undefined);

    results = await load.done;
    sampling = false;
    await sampler;
  }, SCENARIO_TIMEOUT_MS);

  afterAll(async () => {
    await chaos?.close();
  }, 60_000);

  it('when booking and the gateway crash, then users see only retryable failures (no 500, no hang) and every user pays', () => {
    expect(traffic.unexplainedServerErrors()).toEqual([]);
    expect(results.filter((r) => r.paid).map((r) => r.userId)).toEqual(results.map((r) => r.userId));
  });

  it('when the gateway is back, then admission resumed, and never more than the maximum were active at once', () => {
    expect(admissionResumedAt).toBeDefined();
    expect(maxActiveSeen).toBeLessThanOrEqual(MAX_ACTIVE);
  });

  it('when the dust settles, then every hold ended confirmed or expired, and money, seats, events and tokens audit exactly', async () => {
    const { booking } = chaos.platform.schemas;
    const held = await waitFor('every hold settled', async () => {
      const row = await queryOne(chaos.platform, `SELECT count(*) AS n FROM "${booking.schema}".reservations WHERE status = 'HELD'`);
      return row.n === '0' ? row.n : undefined;
    }, (HOLD_TTL_SECONDS + 30) * 1_000, 500);
    const { checks, cleanAt } = await auditUntilClean(chaos, 90_000);
    const holds = await queryOne(chaos.platform, `
      SELECT count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed, count(*) FILTER (WHERE status = 'EXPIRED') AS expired
        FROM "${booking.schema}".reservations`);

    reportScenario({
      scenario: 'booking + gateway kill -9',
      users: USERS,
      results,
      traffic,
      faultEndedAt: gatewayRestartedAt,
      recoveredAt: admissionResumedAt,
      cleanAt,
      notes: `each down ~${DOWN_MS / 1000} s + restart; booking answered again ${seconds(bookingRestartedAt, traffic.firstSuccess(bookingRestartedAt, (c) => c.route === 'reservations' || c.route === 'concerts'))} s after its restart; ${holds.confirmed} holds confirmed, ${holds.expired} expired; max active seen ${maxActiveSeen}/${MAX_ACTIVE}; recovery = first admission after the gateway restart`,
    });
    expect(held).toBe('0');
    expect(auditOutcome(checks)).toEqual(cleanAudit(checks));
  }, 180_000);
});
