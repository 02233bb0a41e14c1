/**
 * Largest balance a charge may reach. The column is a Postgres `integer` (max 2,147,483,647); stopping
 * charges at one billion leaves room for refunds of payments still in flight, which put money back
 * without a limit check (a refund must never fail).
 */
export const MAX_BALANCE = 1_000_000_000;

/** A balance row as read: its amount and the version an optimistic write must still find. */
export interface BalanceSnapshot {
  amount: number;
  version: number;
}

export type ChargeAttempt = { kind: 'charged'; balance: number } | { kind: 'stale' };

/**
 * What the balance rules need from storage. Every write is conditional on the version read before it,
 * and moves money together with its ledger row, so Σ ledger always explains the balance.
 */
export interface BalanceStore {
  find(userId: string): Promise<BalanceSnapshot | undefined>;
  /**
   * One optimistic attempt: credits `amount` to a balance still at `seen` (or creates the row when
   * `seen` is undefined and nobody created it meanwhile) and appends a CHARGE ledger row, atomically.
   */
  charge(userId: string, amount: number, seen: BalanceSnapshot | undefined): Promise<ChargeAttempt>;
}
