import { isErrorCode, KafkaHeaders, PaymentResponse, Topics, type PaymentCompletedV1 } from '@ticketing/contracts';
import { sqlPoolOf, type SqlPool } from '@ticketing/service-kit';
import type { BalanceSnapshot } from '../domain/balance';
import type { Failure, PaymentOutcome, PaymentRecord, PaymentRef, PaymentStore, StartAttempt } from '../domain/payment';
import type { PrismaClient } from './generated/prisma/client';
import { isUniqueViolation, TX_OPTIONS } from './transaction-options';

/** A payments row as the statements below return it. */
type PaymentRow = {
  id: string;
  reservation_id: string;
  user_id: string;
  amount: number;
  status: PaymentRecord['status'];
  idempotency_key: string | null;
  correlation_id: string | null;
  response_body: unknown;
};
const PAYMENT_COLUMNS = 'id, reservation_id, user_id, amount, status, idempotency_key, correlation_id, response_body';

/** `response_body` holds a completed payment's receipt, or the failure a refunded one answers with. */
function outcomeOf(row: PaymentRow): PaymentOutcome | null {
  if (row.status === 'COMPLETED' && row.response_body !== null) return { kind: 'completed', receipt: PaymentResponse.parse(row.response_body) };
  if (row.status !== 'REFUNDED' || row.response_body === null) return null;
  const { code, message } = row.response_body as { code?: unknown; message?: unknown };
  if (!isErrorCode(code) || typeof message !== 'string') throw new Error(`payment ${row.id}: its stored failure is unreadable`);
  return { kind: 'refunded', failure: { code, message } };
}

const fromRow = (row: PaymentRow): PaymentRecord => ({
  id: row.id,
  reservationId: row.reservation_id,
  userId: row.user_id,
  amount: row.amount,
  status: row.status,
  idempotencyKey: row.idempotency_key,
  correlationId: row.correlation_id,
  outcome: outcomeOf(row),
});

/**
 * Payments, their ledger rows and the outbox in payment's schema. Each saga step is one SQL statement
 * (one implicit transaction, one round trip) sent straight through the pg pool under Prisma; the rare
 * paths (refund, recovery) keep Prisma's interactive transactions.
 */
export class PrismaPaymentStore implements PaymentStore {
  private readonly sql: SqlPool;

  constructor(private readonly prisma: PrismaClient) {
    this.sql = sqlPoolOf(prisma);
  }

  async findById(id: string): Promise<PaymentRecord | undefined> {
    const { rows } = await this.sql.query<PaymentRow>({ name: 'payment-by-id', text: `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, values: [id] });
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async findByKey(userId: string, idempotencyKey: string): Promise<PaymentRecord | undefined> {
    const { rows } = await this.sql.query<PaymentRow>({
      name: 'payment-by-key',
      text: `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE user_id = $1 AND idempotency_key = $2`,
      values: [userId, idempotencyKey],
    });
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async start(payment: PaymentRef & { idempotencyKey: string | null }, seen: BalanceSnapshot): Promise<StartAttempt> {
    try {
      // One statement: the deduction only if the version is the one read (optimistic), and the PENDING
      // payment and its ledger row only if the deduction happened. A second payer of the reservation
      // fails on its unique index (23505), which undoes the whole statement, deduction included.
      const { rows } = await this.sql.query<{ started: number }>({
        name: 'payment-start',
        text: `
          WITH deducted AS (
            UPDATE balances SET amount = amount - $4, version = version + 1, updated_at = now()
             WHERE user_id = $3 AND version = $7
            RETURNING user_id
          ), payment AS (
            INSERT INTO payments (id, reservation_id, user_id, amount, idempotency_key, correlation_id, updated_at)
            SELECT $1, $2, $3, $4, $5, $6, now() FROM deducted
            RETURNING id
          ), ledger AS (
            INSERT INTO ledger_entries (id, user_id, type, amount, payment_id)
            SELECT gen_random_uuid(), $3, 'PAYMENT', $4, id FROM payment
            RETURNING 1
          )
          SELECT count(*)::int AS started FROM ledger`,
        values: [payment.id, payment.reservationId, payment.userId, payment.amount, payment.idempotencyKey, payment.correlationId, seen.version],
      });
      return rows[0]?.started === 1 ? { kind: 'started' } : { kind: 'stale' };
    } catch (error) {
      if (isUniqueViolation(error)) return { kind: 'duplicate' };
      throw error;
    }
  }

  async complete(payment: PaymentRef, event: PaymentCompletedV1, receipt: PaymentResponse): Promise<boolean> {
    // One statement: a payment is never COMPLETED without its event waiting in the outbox to be relayed.
    const { rows } = await this.sql.query<{ completed: number }>({
      name: 'payment-complete',
      text: `
        WITH completed AS (
          UPDATE payments SET status = 'COMPLETED', completed_at = $2, response_body = $3::jsonb, updated_at = now()
           WHERE id = $1 AND status = 'PENDING'
          RETURNING id
        ), outbox AS (
          INSERT INTO outbox_events (id, topic, key, payload, headers)
          SELECT $4, $5, $6, $7::jsonb, $8::jsonb FROM completed
          RETURNING 1
        )
        SELECT count(*)::int AS completed FROM outbox`,
      values: [
        payment.id,
        new Date(event.occurredAt),
        JSON.stringify(receipt),
        event.eventId,
        Topics.PaymentCompleted,
        event.reservationId,
        JSON.stringify(event),
        JSON.stringify(payment.correlationId ? { [KafkaHeaders.CorrelationId]: payment.correlationId } : {}),
      ],
    });
    return rows[0]?.completed === 1;
  }

  async refund(payment: PaymentRef, failure: Failure): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.payment.updateMany({
        where: { id: payment.id, status: 'PENDING' },
        data: { status: 'REFUNDED', failureCode: failure.code, responseBody: { code: failure.code, message: failure.message } },
      });
      if (count === 0) return false;
      // An atomic increment, not a read-then-compare: a refund must not lose to a concurrent charge.
      // It still bumps the version, so optimistic writers that read before it retry.
      await tx.balance.update({
        where: { userId: payment.userId },
        data: { amount: { increment: payment.amount }, version: { increment: 1 } },
      });
      await tx.ledgerEntry.create({ data: { userId: payment.userId, type: 'REFUND', amount: payment.amount, paymentId: payment.id } });
      return true;
    }, TX_OPTIONS);
  }

  async claimStale(olderThanMs: number, limit: number): Promise<PaymentRecord[]> {
    // One statement: lock due rows (skipping those another recoverer holds) and renew their lease by
    // touching updated_at, so no other instance picks them up until the threshold passes again.
    const claimed = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE payments p SET updated_at = now()
        FROM (SELECT id FROM payments
               WHERE status = 'PENDING' AND updated_at <= now() - make_interval(secs => ${olderThanMs / 1000})
               ORDER BY updated_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
       WHERE p.id = due.id
      RETURNING p.id`;
    if (claimed.length === 0) return [];
    const { rows } = await this.sql.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = ANY($1::uuid[]) ORDER BY created_at`, [claimed.map((c) => c.id)]);
    return rows.map(fromRow);
  }
}
