import { AppError } from '@ticketing/service-kit/errors';
import { MAX_BALANCE, type BalanceStore } from './balance';
import type { KeyedSerializer } from './keyed-serializer';
import { STALE, withOptimisticRetry, type RetryPolicy } from './optimistic-retry';
import type { PaymentEvents } from './payment-events';

/** Balances: read, and charge under optimistic locking on the row's version. */
export class BalanceService {
  constructor(
    private readonly store: BalanceStore,
    private readonly retry: RetryPolicy,
    private readonly events: PaymentEvents,
    /** Shared with the payment service: every write to one user's balance, in one queue. */
    private readonly writes: KeyedSerializer,
  ) {}

  /** A user who never charged has a balance of 0 (no row is created by reading). */
  async balance(userId: string): Promise<number> {
    return (await this.store.find(userId))?.amount ?? 0;
  }

  async charge(userId: string, amount: number): Promise<number> {
    try {
      const balance = await this.writes.run(userId, () => withOptimisticRetry(this.retry, () => this.tryCharge(userId, amount), () => this.events.lockRetried('charge')));
      this.events.charged('charged');
      return balance;
    } catch (error) {
      this.events.charged(error instanceof AppError && error.code === 'PAYMENT.CONCURRENT_UPDATE' ? 'conflict' : 'rejected');
      throw error;
    }
  }

  private async tryCharge(userId: string, amount: number): Promise<number | typeof STALE> {
    const seen = await this.store.find(userId);
    // Checked against the version-guarded read: if the row moved meanwhile, the write fails and we check again.
    if ((seen?.amount ?? 0) + amount > MAX_BALANCE) {
      throw new AppError('VALIDATION.INVALID_BODY', `amount: would take the balance over the maximum of ${MAX_BALANCE}`);
    }
    const attempt = await this.store.charge(userId, amount, seen);
    return attempt.kind === 'stale' ? STALE : attempt.balance;
  }
}
