import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { renderMarkdown, runLoad, type LoadReport } from '@ticketing/loadtest';
import { PLATFORM_SETUP_TIMEOUT_MS, startPlatform, type Platform } from './support/platform';

const USERS = 300;
const MAX_ACTIVE = 60;

/**
 * `npm run load`, small, in every `npm test`: the Artillery scenario of `artillery/full-flow.yml` drives
 * 300 virtual users through the gateway over HTTP (queue → admission → charge → hold → pay) against
 * four real service processes, real Postgres, Redis and a Kafka broker of their own; then the event
 * pipeline drains and the audit checks every invariant on the data the run left.
 */
describe('the full-flow load scenario through the gateway', () => {
  let platform: Platform;
  let report: LoadReport;
  const dir = mkdtempSync(join(tmpdir(), 'full-flow-'));

  beforeAll(async () => {
    // 10 concerts × 60 seats for 300 users: enough collisions to exercise retries, enough seats for all.
    platform = await startPlatform({ concerts: 10, seatsPerSchedule: 60, maxActive: MAX_ACTIVE });
    const { booking, payment, gateway, sink } = platform.schemas;
    report = await runLoad({
      target: platform.gatewayUrl,
      users: USERS,
      windowSeconds: 10,
      catalogue: '10 concerts × 60 seats',
      audit: {
        databaseUrl: booking.databaseUrl,
        schemas: { booking: booking.schema, payment: payment.schema, gateway: gateway.schema, sink: sink.schema },
        redisUrl: platform.redisUrl,
        queuePrefix: platform.queuePrefix,
        maxActive: MAX_ACTIVE,
      },
      artilleryOutput: join(dir, 'artillery.json'),
      runId: randomUUID().slice(0, 8),
      quiet: true,
      // A person tries up to 8 seats here (the catalogue is small), so every user should get one.
      env: { LOAD_MAX_HOLD_ATTEMPTS: '8' },
      drainTimeoutMs: 90_000,
    });
  }, PLATFORM_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('when every user has gone through, then every token was issued and admitted and nothing but seat collisions failed', () => {
    expect(report.errors).toEqual({});
    expect(report.flow).toMatchObject({ users: USERS, tokensIssued: USERS, activated: USERS, charged: USERS, failedUsers: 0 });
  });

  it('when users collide on seats, then they retry with another one and every user ends up holding one and paying for it', () => {
    expect(report.flow.holds).toBe(USERS);
    expect(report.flow.payments).toBe(USERS);
    expect(report.flow.heldFirstTry + report.flow.collisionsFirstTry).toBe(USERS);
  });

  it('when the events have drained, then the sink stored one event per completed payment and nothing is left in flight', () => {
    expect(report.pipeline).toMatchObject({ drained: true, completedPayments: USERS, sinkEvents: USERS, pendingPayments: 0, unpublishedEvents: 0 });
  });

  it('when the audit reads the data the run left, then every invariant check passes and the report says PASS', () => {
    const checks = report.audit.checks;
    expect(checks.map((c) => [c.name, c.ok, c.violations])).toEqual(checks.map((c) => [c.name, true, []]));
    expect(checks.map((c) => c.name).sort()).toEqual(['events', 'money', 'seats', 'tokens']);
    expect(report.ok).toBe(true);
    expect(renderMarkdown(report)).toContain(`# Load test ${report.startedAt}: PASS`);
  });

  it('when the report is read, then every step of the flow has latency percentiles', () => {
    expect(Object.keys(report.steps)).toEqual(expect.arrayContaining(['token', 'wait', 'charge', 'concerts', 'schedules', 'seats', 'hold', 'pay']));
    for (const step of Object.values(report.steps)) expect(step.p50).toBeLessThanOrEqual(step.p99);
  });

  it('when users wait with long-polls, then a journey costs at most 10 requests (token, waits, charge, catalogue, hold, pay)', () => {
    expect(report.steps.wait?.count).toBeGreaterThanOrEqual(USERS);
    expect(report.throughput.requestsPerUser).toBeLessThanOrEqual(10);
  });
});
