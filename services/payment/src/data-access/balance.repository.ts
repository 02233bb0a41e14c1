import { sqlPoolOf, type SqlPool } from '@ticketing/service-kit';
import type { BalanceSnapshot, BalanceStore, ChargeAttempt } from '../domain/balance';
import type { PrismaClient } from './generated/prisma/client';

/** Balances in payment's schema: every write is conditional on the version read, with its ledger row. */
export class PrismaBalanceStore implements BalanceStore {
  private readonly sql: SqlPool;

  constructor(prisma: PrismaClient) {
    this.sql = sqlPoolOf(prisma);
  }

  async find(userId: string): Promise<BalanceSnapshot | undefined> {
    const { rows } = await this.sql.query<BalanceSnapshot>({ name: 'balance-find', text: 'SELECT amount, version FROM balances WHERE user_id = $1', values: [userId] });
    return rows[0];
  }

  async charge(userId: string, amount: number, seen: BalanceSnapshot | undefined): Promise<ChargeAttempt> {
    // One statement (one implicit transaction): the write only if the version is the one read, and the
    // ledger row only if the write happened. A first charge inserts the row; a concurrent first charge
    // that inserted it already makes ours a no-op, which is just a stale read: the retry updates.
    const write = seen
      ? `UPDATE balances SET amount = amount + $2, version = version + 1, updated_at = now() WHERE user_id = $1 AND version = $3 RETURNING user_id`
      : `INSERT INTO balances (user_id, amount, version, updated_at) VALUES ($1, $2, 1, now()) ON CONFLICT DO NOTHING RETURNING user_id`;
    const { rows } = await this.sql.query<{ charged: number }>({
      name: seen ? 'balance-charge' : 'balance-first-charge',
      text: `
        WITH written AS (${write}), ledger AS (
          INSERT INTO ledger_entries (id, user_id, type, amount) SELECT gen_random_uuid(), $1, 'CHARGE', $2 FROM written RETURNING 1
        )
        SELECT count(*)::int AS charged FROM ledger`,
      values: seen ? [userId, amount, seen.version] : [userId, amount],
    });
    // The version matched, so the row held exactly `seen.amount` when we wrote it.
    return rows[0]?.charged === 1 ? { kind: 'charged', balance: (seen?.amount ?? 0) + amount } : { kind: 'stale' };
  }
}
