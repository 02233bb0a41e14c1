import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { runAudit } from '@ticketing/audit';
import { waitFor } from '@ticketing/devstack/testing';
import { startPlatform, type Platform } from './support/platform';
import { userJourney, type JourneyResult } from './support/user-journey';

const USERS = 150;

/**
 * The reference's LoadTest5, small: every user through the gateway over HTTP (queue → admission →
 * charge → hold → pay), four real service processes, real Postgres, Redis and Kafka; then the
 * platform's invariants are checked on the data the services left behind.
 */
describe('the full flow through the gateway', () => {
  let platform: Platform;
  let db: Client;
  let results: JourneyResult[];
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    platform = await startPlatform({ seatsPerSchedule: 100, maxActive: 40 });
    db = new Client({ connectionString: platform.schemas.booking.databaseUrl });
    await db.connect();
    results = await Promise.all(Array.from({ length: USERS }, (_, i) => userJourney(platform.gatewayUrl, `e2e-${run}-${i}`)));
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  }, 60_000);

  const one = async (sql: string) => (await db.query(sql)).rows[0] as Record<string, string>;

  it('when every user goes through, then every token is issued and activated, every hold is paid, and nothing but seat collisions failed', () => {
    expect(results.filter((r) => r.issued)).toHaveLength(USERS);
    expect(results.filter((r) => r.activated)).toHaveLength(USERS);
    expect(results.filter((r) => r.reservationId)).toHaveLength(USERS); // 200 seats for 150 users, with retries
    expect(results.filter((r) => r.paid)).toHaveLength(USERS);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
  });

  it('when the run is over, then total charged = total balance + total paid, and each user ledger adds up', async () => {
    const { payment } = platform.schemas;
    const totals = await one(`
      SELECT (SELECT coalesce(sum(amount), 0) FROM "${payment.schema}".ledger_entries WHERE type = 'CHARGE') AS charged,
             (SELECT coalesce(sum(amount), 0) FROM "${payment.schema}".balances) AS balances,
             (SELECT coalesce(sum(amount), 0) FROM "${payment.schema}".payments WHERE status = 'COMPLETED') AS paid,
             (SELECT count(*) FROM "${payment.schema}".payments WHERE status = 'COMPLETED') AS completed`);
    const badUsers = await one(`
      SELECT count(*) AS n FROM "${payment.schema}".balances b
       WHERE b.amount <> (SELECT coalesce(sum(CASE l.type WHEN 'CHARGE' THEN l.amount WHEN 'REFUND' THEN l.amount ELSE -l.amount END), 0)
                            FROM "${payment.schema}".ledger_entries l WHERE l.user_id = b.user_id)`);

    expect(Number(totals.charged)).toBe(results.reduce((sum, r) => sum + r.charged, 0));
    expect(Number(totals.charged)).toBe(Number(totals.balances) + Number(totals.paid));
    expect(Number(totals.completed)).toBe(USERS);
    expect(Number(badUsers.n)).toBe(0);
  });

  it('when the run is over, then each sold seat has one confirmed reservation and one completed payment', async () => {
    const { booking, payment } = platform.schemas;
    const seats = await one(`
      SELECT (SELECT count(*) FROM "${booking.schema}".seats WHERE status = 'RESERVED') AS reserved,
             (SELECT count(*) FROM "${booking.schema}".reservations WHERE status = 'CONFIRMED') AS confirmed,
             (SELECT count(*) FROM (SELECT schedule_id, seat_no FROM "${booking.schema}".reservations WHERE status = 'CONFIRMED'
                                     GROUP BY 1, 2 HAVING count(*) > 1) twice) AS sold_twice,
             (SELECT count(*) FROM "${booking.schema}".reservations r
               WHERE r.status = 'CONFIRMED' AND NOT EXISTS (SELECT 1 FROM "${payment.schema}".payments p
                 WHERE p.reservation_id = r.id AND p.id = r.payment_id AND p.status = 'COMPLETED')) AS unpaid`);

    expect(seats).toEqual({ reserved: String(USERS), confirmed: String(USERS), sold_twice: '0', unpaid: '0' });
  });

  it('when the events have drained, then the sink stored exactly one event per completed payment', async () => {
    const { payment, sink } = platform.schemas;
    const counts = await waitFor('the sink to store every event', async () => {
      const row = await one(`
        SELECT (SELECT count(*) FROM "${payment.schema}".payments p WHERE p.status = 'COMPLETED'
                  AND (SELECT count(*) FROM "${sink.schema}".stored_events e WHERE e.payment_id = p.id) = 1) AS stored_once,
               (SELECT count(*) FROM "${payment.schema}".outbox_events WHERE published_at IS NULL) AS unpublished`);
      return Number(row.stored_once) === USERS ? row : undefined;
    }, 60_000);

    expect(counts).toEqual({ stored_once: String(USERS), unpublished: '0' });
  });

  it('when a user has paid, then their token no longer opens the door (expired through the PaymentCompleted event)', async () => {
    const tokens = results.map((r) => r.token!);

    const statuses = await waitFor('paid users tokens to expire', async () => {
      const answers = await Promise.all(
        tokens.map(async (token) => (await fetch(`${platform.gatewayUrl}/balance`, { headers: { 'x-queue-token': token } })).status),
      );
      return answers.every((status) => status === 401) ? answers : undefined;
    }, 60_000);

    expect(statuses).toEqual(tokens.map(() => 401));
  });

  it('when the audit command reads the data the run left, then every invariant check passes', async () => {
    const { booking, payment, gateway, sink } = platform.schemas;

    const checks = await runAudit({
      databaseUrl: booking.databaseUrl,
      schemas: { booking: booking.schema, payment: payment.schema, gateway: gateway.schema, sink: sink.schema },
      redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380',
      queuePrefix: platform.queuePrefix,
      maxActive: 40,
    });

    expect(checks.map((c) => [c.name, c.ok, c.violations])).toEqual(checks.map((c) => [c.name, true, []]));
    expect(checks.map((c) => c.name).sort()).toEqual(['events', 'money', 'seats', 'tokens']);
  });
});
