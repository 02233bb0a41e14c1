import { expect } from '@jest/globals';
import type { PrismaClient } from '../../src/data-access/generated/prisma/client';

export interface MoneyState {
  balance: number;
  charged: number;
  paid: number;
  refunded: number;
  ledgerRows: number;
  /** Σ amount of COMPLETED payments. */
  completed: number;
}

/** One user's money as the database holds it: balance row, ledger sums by type, completed payments. */
export async function moneyOf(prisma: PrismaClient, userId: string): Promise<MoneyState> {
  const [balance, ledger, completed] = await Promise.all([
    prisma.balance.findUnique({ where: { userId } }),
    prisma.ledgerEntry.groupBy({ by: ['type'], where: { userId }, _sum: { amount: true }, _count: { _all: true } }),
    prisma.payment.aggregate({ where: { userId, status: 'COMPLETED' }, _sum: { amount: true } }),
  ]);
  const sum = (type: string) => ledger.find((l) => l.type === type)?._sum.amount ?? 0;
  return {
    balance: balance?.amount ?? 0,
    charged: sum('CHARGE'),
    paid: sum('PAYMENT'),
    refunded: sum('REFUND'),
    ledgerRows: ledger.reduce((n, l) => n + l._count._all, 0),
    completed: completed._sum.amount ?? 0,
  };
}

/**
 * MISSION invariant 1, per user, once nothing is PENDING: everything charged is either still on the
 * balance or paid for a completed payment; every other deduction was refunded.
 */
export function expectMoneyBalances(state: MoneyState): void {
  expect(state.charged).toBe(state.balance + state.completed);
  expect(state.paid - state.refunded).toBe(state.completed);
}
