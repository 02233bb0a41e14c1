import { KafkaHeaders, Topics, type PaymentCompletedV1 } from '@ticketing/contracts';
import type { BalanceSnapshot } from '../domain/balance';
import type { Failure, PaymentRecord, PaymentRef, PaymentStore, StartAttempt, StoredResponse } from '../domain/payment';
import type { Payment, PrismaClient } from './generated/prisma/client';
import { isUniqueViolation, StaleVersion, TX_OPTIONS } from './transaction-options';

const toRecord = (row: Payment): PaymentRecord => ({
  id: row.id,
  reservationId: row.reservationId,
  userId: row.userId,
  amount: row.amount,
  status: row.status,
  idempotencyKey: row.idempotencyKey,
  correlationId: row.correlationId,
  response: row.responseStatus === null ? null : { status: row.responseStatus, body: row.responseBody },
});

/** Payments, their ledger rows and the outbox in payment's schema; each saga step is one transaction. */
export class PrismaPaymentStore implements PaymentStore {
  constructor(private readonly prisma: PrismaClient) {}

  async findById(id: string): Promise<PaymentRecord | undefined> {
    const row = await this.prisma.payment.findUnique({ where: { id } });
    return row ? toRecord(row) : undefined;
  }

  async findByKey(userId: string, idempotencyKey: string): Promise<PaymentRecord | undefined> {
    const row = await this.prisma.payment.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } } });
    return row ? toRecord(row) : undefined;
  }

  async start(payment: PaymentRef & { idempotencyKey: string | null }, seen: BalanceSnapshot): Promise<StartAttempt> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        // Insert first: concurrent payers of one reservation queue on its unique index entry, and all
        // but the first fail here (23505) before touching the balance row.
        await tx.payment.create({ data: payment });
        // Ledger before balance: the balance row stays locked only from its UPDATE to COMMIT.
        await tx.ledgerEntry.create({ data: { userId: payment.userId, type: 'PAYMENT', amount: payment.amount, paymentId: payment.id } });
        const { count } = await tx.balance.updateMany({
          where: { userId: payment.userId, version: seen.version },
          data: { amount: { decrement: payment.amount }, version: { increment: 1 } },
        });
        if (count === 0) throw new StaleVersion();
        return { kind: 'started' } as const;
      }, TX_OPTIONS);
    } catch (error) {
      if (error instanceof StaleVersion) return { kind: 'stale' };
      if (isUniqueViolation(error)) return { kind: 'duplicate' };
      throw error;
    }
  }

  async complete(payment: PaymentRef, event: PaymentCompletedV1, response: StoredResponse): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.payment.updateMany({
        where: { id: payment.id, status: 'PENDING' },
        data: { status: 'COMPLETED', completedAt: new Date(event.occurredAt), responseStatus: response.status, responseBody: response.body as object },
      });
      if (count === 0) return false;
      // Same transaction: a payment is never COMPLETED without its event waiting to be relayed.
      await tx.outboxEvent.create({
        data: {
          id: event.eventId,
          topic: Topics.PaymentCompleted,
          key: event.reservationId,
          payload: event,
          headers: payment.correlationId ? { [KafkaHeaders.CorrelationId]: payment.correlationId } : {},
        },
      });
      return true;
    }, TX_OPTIONS);
  }

  async refund(payment: PaymentRef, failure: Failure, response: StoredResponse): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.payment.updateMany({
        where: { id: payment.id, status: 'PENDING' },
        data: { status: 'REFUNDED', failureCode: failure.code, responseStatus: response.status, responseBody: response.body as object },
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
    const rows = await this.prisma.payment.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, orderBy: { createdAt: 'asc' } });
    return rows.map(toRecord);
  }
}
