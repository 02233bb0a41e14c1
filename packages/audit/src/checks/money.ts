import type { Client } from 'pg';
import { examples, num, result, type CheckResult, type Row, type Schemas } from './shared';

export async function checkMoney(db: Client, s: Schemas, pendingGrace: number): Promise<CheckResult> {
  const violations: string[] = [];
  const { rows: [t] } = await db.query<Row>(`
    SELECT
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'CHARGE')::text  AS charged,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'PAYMENT')::text AS paid_ledger,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'REFUND')::text  AS refunded,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.balances)::text AS balances,
      (SELECT count(*) FROM ${s.payment}.balances)::text AS users,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed,
      (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed_count,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.payments WHERE status = 'PENDING')::text AS pending,
      (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'PENDING')::text AS pending_count`);
  const charged = num(t?.charged);
  const paidLedger = num(t?.paid_ledger);
  const refunded = num(t?.refunded);
  const balances = num(t?.balances);
  const completed = num(t?.completed);
  const pending = num(t?.pending);

  // Per user: the balance the ledger implies (amounts positive, the type gives the direction) vs the row.
  const perUser = await examples(db, `
    SELECT coalesce(l.user_id, b.user_id) AS user_id, coalesce(l.derived, 0) AS derived, b.amount AS balance
      FROM (SELECT user_id, sum(CASE type WHEN 'CHARGE' THEN amount WHEN 'PAYMENT' THEN -amount ELSE amount END) AS derived
              FROM ${s.payment}.ledger_entries GROUP BY user_id) l
      FULL JOIN ${s.payment}.balances b ON b.user_id = l.user_id
     WHERE b.amount IS DISTINCT FROM coalesce(l.derived, 0) AND NOT (b.amount IS NULL AND coalesce(l.derived, 0) = 0)
     ORDER BY 1`, [], (r) => `money: user ${r.user_id} balance ${r.balance ?? 'missing'} but ledger says ${r.derived}`);
  violations.push(...perUser.lines);

  if (charged !== balances + completed + pending) {
    violations.push(`money: total charged ${charged} ≠ balances ${balances} + completed ${completed} + pending ${pending}`);
  }
  if (paidLedger - refunded !== completed + pending) {
    violations.push(`money: ledger payments ${paidLedger} − refunds ${refunded} ≠ completed ${completed} + pending ${pending}`);
  }

  // Per payment: its ledger rows match its state (COMPLETED/PENDING: one deduction; REFUNDED: deduction + refund).
  const perPayment = await examples(db, `
    SELECT p.id, p.status, p.amount, coalesce(l.debits, 0) AS debits, coalesce(l.credits, 0) AS credits, coalesce(l.n, 0) AS n
      FROM ${s.payment}.payments p
      LEFT JOIN (SELECT payment_id, count(*) AS n,
                        sum(amount) FILTER (WHERE type = 'PAYMENT') AS debits,
                        sum(amount) FILTER (WHERE type = 'REFUND') AS credits
                   FROM ${s.payment}.ledger_entries WHERE payment_id IS NOT NULL GROUP BY payment_id) l ON l.payment_id = p.id
     WHERE NOT CASE p.status
       WHEN 'REFUNDED' THEN coalesce(l.n, 0) = 2 AND coalesce(l.debits, 0) = p.amount AND coalesce(l.credits, 0) = p.amount
       WHEN 'FAILED' THEN coalesce(l.n, 0) = 0
       ELSE coalesce(l.n, 0) = 1 AND coalesce(l.debits, 0) = p.amount END
     ORDER BY p.id`, [], (r) => `money: payment ${r.id} ${r.status} ${r.amount} has ledger debits ${r.debits}, refunds ${r.credits} (${r.n} rows)`);
  violations.push(...perPayment.lines);

  const stale = await examples(db, `
    SELECT id, user_id, amount, created_at FROM ${s.payment}.payments
     WHERE status = 'PENDING' AND created_at < now() - make_interval(secs => $1::int) ORDER BY created_at`,
    [pendingGrace], (r) => `money: payment ${r.id} of user ${r.user_id} PENDING since ${(r.created_at as Date).toISOString()}`);
  violations.push(...stale.lines);

  return result('money', {
    users: num(t?.users),
    charged,
    balances,
    completed,
    completedPayments: num(t?.completed_count),
    pending,
    pendingPayments: num(t?.pending_count),
    refunded,
    userMismatches: perUser.count,
    paymentLedgerMismatches: perPayment.count,
    stalePending: stale.count,
  }, violations);
}
