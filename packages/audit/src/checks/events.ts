import type { Client } from 'pg';
import { examples, num, result, type CheckResult, type Row, type Schemas } from './shared';

export async function checkEvents(db: Client, s: Schemas, outboxGrace: number): Promise<CheckResult> {
  const violations: string[] = [];
  const { rows: [t] } = await db.query<Row>(`
    SELECT (SELECT count(*) FROM ${s.sink}.stored_events)::text AS stored,
           (SELECT coalesce(sum(duplicate_deliveries), 0) FROM ${s.sink}.stored_events)::text AS duplicates,
           (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed,
           (SELECT count(*) FROM ${s.payment}.outbox_events)::text AS outbox,
           (SELECT count(*) FROM ${s.payment}.outbox_events WHERE published_at IS NULL)::text AS unpublished`);

  // Both directions in one pass: completed payments vs stored events, by payment id.
  const mismatched = await examples(db, `
    SELECT coalesce(p.id, e.payment_id) AS payment_id, p.status::text AS status, coalesce(e.n, 0) AS events
      FROM (SELECT id, status FROM ${s.payment}.payments WHERE status = 'COMPLETED') p
      FULL JOIN (SELECT payment_id, count(*) AS n FROM ${s.sink}.stored_events GROUP BY payment_id) e ON e.payment_id = p.id
     WHERE coalesce(e.n, 0) <> 1 OR p.id IS NULL
     ORDER BY 1`, [], (row) => row.status === null
      ? `events: ${row.events} stored event(s) for payment ${row.payment_id}, which is not COMPLETED`
      : `events: COMPLETED payment ${row.payment_id} has ${row.events} stored events`);
  violations.push(...mismatched.lines);

  const staleOutbox = await examples(db, `
    SELECT id, topic, created_at FROM ${s.payment}.outbox_events
     WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::int) ORDER BY created_at`,
    [outboxGrace], (row) => `events: outbox ${row.id} (${row.topic}) unpublished since ${(row.created_at as Date).toISOString()}`);
  violations.push(...staleOutbox.lines);

  return result('events', {
    completedPayments: num(t?.completed),
    storedEvents: num(t?.stored),
    duplicateDeliveries: num(t?.duplicates),
    paymentEventMismatches: mismatched.count,
    outbox: num(t?.outbox),
    unpublished: num(t?.unpublished),
    staleUnpublished: staleOutbox.count,
  }, violations);
}

/** Each paying user with the completion time (epoch ms) of their latest completed payment. */
export async function paidUsers(db: Client, s: Schemas): Promise<Map<string, number>> {
  const { rows } = await db.query<{ user_id: string; paid_at: string }>(`
    SELECT user_id, (extract(epoch FROM max(coalesce(completed_at, updated_at))) * 1000)::bigint::text AS paid_at
      FROM ${s.payment}.payments WHERE status = 'COMPLETED' GROUP BY user_id`);
  return new Map(rows.map((row) => [row.user_id, Number(row.paid_at)]));
}
