import type { BalanceSnapshot, BalanceStore, ChargeAttempt } from '../domain/balance';
import type { PrismaClient } from './generated/prisma/client';
import { StaleVersion, TX_OPTIONS } from './transaction-options';

/** Balances in payment's schema: every write is conditional on the version read, with its ledger row. */
export class PrismaBalanceStore implements BalanceStore {
  constructor(private readonly prisma: PrismaClient) {}

  async find(userId: string): Promise<BalanceSnapshot | undefined> {
    return (await this.prisma.balance.findUnique({ where: { userId }, select: { amount: true, version: true } })) ?? undefined;
  }

  async charge(userId: string, amount: number, seen: BalanceSnapshot | undefined): Promise<ChargeAttempt> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        // The ledger row first: the balance row is locked from its UPDATE to COMMIT, so writing it last
        // keeps that lock (what concurrent chargers of the same user queue on) as short as possible.
        await tx.ledgerEntry.create({ data: { userId, type: 'CHARGE', amount } });
        // First charge: INSERT … ON CONFLICT DO NOTHING. A concurrent first charge that inserted the row
        // makes ours a no-op (count 0), which is just a stale read: the retry takes the update path.
        const { count } = seen
          ? await tx.balance.updateMany({
              where: { userId, version: seen.version },
              data: { amount: { increment: amount }, version: { increment: 1 } },
            })
          : await tx.balance.createMany({ data: [{ userId, amount, version: 1 }], skipDuplicates: true });
        if (count === 0) throw new StaleVersion();
        // The version matched, so the row held exactly `seen.amount` when we wrote it.
        return { kind: 'charged', balance: (seen?.amount ?? 0) + amount } as const;
      }, TX_OPTIONS);
    } catch (error) {
      if (error instanceof StaleVersion) return { kind: 'stale' };
      throw error;
    }
  }
}
