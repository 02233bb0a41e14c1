import { describe, expect, it } from '@jest/globals';
import type { InternalReservation, PaymentResponse } from '@ticketing/contracts';
import { AppError } from '@ticketing/service-kit';
import type { BalanceSnapshot, BalanceStore } from '../src/domain/balance';
import { KeyedSerializer } from '../src/domain/keyed-serializer';
import type { BookingPort, Confirmation, Failure, PaymentOutcome, PaymentRecord, PaymentStore } from '../src/domain/payment';
import type { PaymentEvents } from '../src/domain/payment-events';
import { PaymentSettlement } from '../src/domain/payment-settlement';
import { PaymentService } from '../src/domain/payment.service';

/*
 * The saga's branches in memory, fast: the settlement (completed, refunded, pending, two settlers at
 * once) and the service's Idempotency-Key answers (replay, a lost race, replay-only). The same rules
 * run against the real Postgres and booking in payment.test.ts and payment-recovery.test.ts; here the
 * ports are plain in-memory stand-ins that keep the same contract (PENDING-only final transitions).
 */

const USER = 'saga-user';
const PAYMENT_1 = '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1b01';
const PAYMENT_2 = '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1b02';
const PAYMENT_3 = '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1b03';
const RESERVATION = '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1a01';

class MemoryPayments implements PaymentStore, BalanceStore {
  readonly rows = new Map<string, PaymentRecord>();
  balance: BalanceSnapshot = { amount: 1_000, version: 1 };
  completions = 0;

  async findById(id: string) {
    return this.rows.get(id);
  }
  async findByKey(userId: string, key: string) {
    return [...this.rows.values()].find((row) => row.userId === userId && row.idempotencyKey === key);
  }
  async start(payment: PaymentRecord | (Omit<PaymentRecord, 'status' | 'outcome'>), seen: BalanceSnapshot) {
    const taken = [...this.rows.values()].some((row) => row.reservationId === payment.reservationId || (payment.idempotencyKey !== null && row.idempotencyKey === payment.idempotencyKey));
    if (taken) return { kind: 'duplicate' } as const;
    if (seen.version !== this.balance.version) return { kind: 'stale' } as const;
    this.balance = { amount: this.balance.amount - payment.amount, version: this.balance.version + 1 };
    this.rows.set(payment.id, { ...payment, status: 'PENDING', outcome: null });
    return { kind: 'started' } as const;
  }
  async complete(payment: { id: string }, _event: unknown, receipt: PaymentResponse) {
    return this.finish(payment.id, 'COMPLETED', { kind: 'completed', receipt }) && ++this.completions > 0;
  }
  async refund(payment: { id: string; amount: number }, failure: Failure) {
    if (!this.finish(payment.id, 'REFUNDED', { kind: 'refunded', failure })) return false;
    this.balance = { amount: this.balance.amount + payment.amount, version: this.balance.version + 1 };
    return true;
  }
  async claimStale() {
    return [];
  }
  async find() {
    return this.balance;
  }
  async charge() {
    return { kind: 'stale' } as const;
  }
  private finish(id: string, status: 'COMPLETED' | 'REFUNDED', outcome: PaymentOutcome): boolean {
    const row = this.rows.get(id);
    if (row?.status !== 'PENDING') return false;
    this.rows.set(id, { ...row, status, outcome });
    return true;
  }
}

function booking(confirmation: Confirmation['kind'], reservation: Partial<InternalReservation> = {}) {
  const held: InternalReservation = {
    reservationId: RESERVATION,
    userId: USER,
    concertId: '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1a02',
    scheduleId: '6f1c7f7e-8d7e-4a53-9a49-2f0b7f7c1a03',
    seatNo: 7,
    price: 300,
    status: 'HELD',
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    paymentId: null,
    ...reservation,
  };
  const calls = { confirm: 0, release: 0 };
  const port: BookingPort = {
    get: async () => ({ kind: 'found', reservation: held }),
    confirm: async () => {
      calls.confirm += 1;
      return confirmation === 'confirmed' ? { kind: 'confirmed', reservation: held } : ({ kind: confirmation } as Confirmation);
    },
    release: async () => {
      calls.release += 1;
    },
  };
  return { port, calls };
}

const quiet: PaymentEvents = { charged: () => {}, paid: () => {}, lockRetried: () => {}, recovered: () => {} };

function service(store: MemoryPayments, port: BookingPort) {
  const settlement = new PaymentSettlement(store, port);
  const payments = new PaymentService({
    payments: store,
    balances: store,
    booking: port,
    settlement,
    retry: { maxAttempts: 5, maxDelayMs: 1 },
    balanceWrites: new KeyedSerializer(),
    events: quiet,
    idempotencyWaitMs: 100,
  });
  return { settlement, payments };
}

const ref = (id: string) => ({ id, reservationId: RESERVATION, userId: USER, amount: 300, correlationId: null });

describe('the settlement, in memory', () => {
  it('when booking confirms, then the payment completes once, and a second settler gets the same answer without writing', async () => {
    const store = new MemoryPayments();
    await store.start({ ...ref(PAYMENT_1), idempotencyKey: null }, store.balance);
    const { settlement } = service(store, booking('confirmed').port);

    const [first, second] = await Promise.all([settlement.settle(ref(PAYMENT_1)), settlement.settle(ref(PAYMENT_1))]);

    expect(first).toEqual(second);
    expect(first.kind).toBe('completed');
    expect(store.completions).toBe(1);
    expect(store.rows.get(PAYMENT_1)?.status).toBe('COMPLETED');
  });

  it('when the hold expired, then the payment is refunded (money back) and the seat released at once', async () => {
    const store = new MemoryPayments();
    await store.start({ ...ref(PAYMENT_2), idempotencyKey: null }, store.balance);
    const { port, calls } = booking('expired');

    const settled = await service(store, port).settlement.settle(ref(PAYMENT_2));

    expect(settled).toMatchObject({ kind: 'refunded', failure: { code: 'BOOKING.RESERVATION_EXPIRED' } });
    expect(store.balance.amount).toBe(1_000);
    expect(calls.release).toBe(1);
  });

  it('when booking does not answer, then nothing is decided: the payment stays PENDING for a retry or recovery', async () => {
    const store = new MemoryPayments();
    await store.start({ ...ref(PAYMENT_3), idempotencyKey: null }, store.balance);

    expect(await service(store, booking('unavailable').port).settlement.settle(ref(PAYMENT_3))).toEqual({ kind: 'pending' });
    expect(store.rows.get(PAYMENT_3)?.status).toBe('PENDING');
    expect(store.balance.amount).toBe(700);
  });
});

describe('Idempotency-Key answers, in memory', () => {
  it('when a paid key is asked again, then its first answer comes back (replayed) and nothing is charged again', async () => {
    const store = new MemoryPayments();
    const { payments } = service(store, booking('confirmed').port);

    const first = await payments.pay({ userId: USER, reservationId: RESERVATION, idempotencyKey: 'k1' });
    const again = await payments.pay({ userId: USER, reservationId: RESERVATION, idempotencyKey: 'k1', replayOnly: true });

    expect(again).toEqual(first);
    expect(store.balance.amount).toBe(700);
    expect(store.rows.size).toBe(1);
  });

  it('when two requests with one key race, then both get the one payment\'s answer (the loser through the duplicate branch)', async () => {
    const store = new MemoryPayments();
    const { payments } = service(store, booking('confirmed').port);

    const answers = await Promise.all([1, 2, 3].map(() => payments.pay({ userId: USER, reservationId: RESERVATION, idempotencyKey: 'k2' })));

    expect(new Set(answers.map((answer) => answer.paymentId)).size).toBe(1);
    expect(store.completions).toBe(1);
    expect(store.balance.amount).toBe(700);
  });

  it('when an ended token asks with a key nobody paid with, then QUEUE.TOKEN_INVALID and nothing starts', async () => {
    const store = new MemoryPayments();
    const { payments } = service(store, booking('confirmed').port);

    const refused = await payments.pay({ userId: USER, reservationId: RESERVATION, idempotencyKey: 'never-used', replayOnly: true }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('QUEUE.TOKEN_INVALID');
    expect(store.rows.size).toBe(0);
  });
});
