import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BalanceResponse, ErrorBody, MAX_CHARGE_AMOUNT } from '@ticketing/contracts';
import { MAX_BALANCE } from '../src/domain/balance';
import { moneyOf } from './support/money';
import { startPayment, type PaymentFixture } from './support/payment-fixture';

// Balance routes never reach booking: a closed port stands in for it.
const NO_BOOKING = { bookingUrl: 'http://127.0.0.1:9', bookingToken: 'unused-booking-token-0123456789' };
const newUser = () => `fan-${randomUUID().slice(0, 8)}`;

describe('GET /balance and POST /balance/charge', () => {
  let payment: PaymentFixture;
  beforeAll(async () => {
    payment = await startPayment(NO_BOOKING);
  });
  afterAll(() => payment.close());

  const charge = (userId: string, amount: unknown) => payment.call('POST', '/balance/charge', { userId, body: { amount } });

  it('GET /balance › when the user never charged, then 0 and no balance row is created', async () => {
    const userId = newUser();

    const answer = await payment.call('GET', '/balance', { userId });

    expect(answer.status).toBe(200);
    expect(BalanceResponse.parse(answer.body)).toEqual({ balance: 0 });
    expect(await payment.prisma.balance.count({ where: { userId } })).toBe(0);
  });

  it('POST /balance/charge › when 100 charges of 10 arrive at once for one new user, then the balance is exactly 1,000 with 100 CHARGE ledger rows', async () => {
    const userId = newUser();

    const answers = await Promise.all(Array.from({ length: 100 }, () => charge(userId, 10)));

    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(Math.max(...answers.map((a) => a.body.balance as number))).toBe(1_000);
    // Every answer is the balance right after its own charge: each value 10..1000 exactly once.
    expect(answers.map((a) => a.body.balance as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 10));
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 1_000, charged: 1_000, ledgerRows: 100 });
    expect(await payment.call('GET', '/balance', { userId })).toMatchObject({ status: 200, body: { balance: 1_000 } });
    const version = (await payment.prisma.balance.findUniqueOrThrow({ where: { userId } })).version;
    expect(version).toBe(100);
  });

  it.each([
    ['a numeric string', '10'],
    ['a fraction', 1.5],
    ['zero', 0],
    ['a negative amount', -1],
    ['more than MAX_CHARGE_AMOUNT', MAX_CHARGE_AMOUNT + 1],
    ['missing', undefined],
  ])('POST /balance/charge › when the amount is %s, then 400 VALIDATION.INVALID_BODY and nothing is written', async (_case, amount) => {
    const userId = newUser();

    const answer = await charge(userId, amount);

    expect(answer.status).toBe(400);
    expect(ErrorBody.parse(answer.body).code).toBe('VALIDATION.INVALID_BODY');
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: 0, ledgerRows: 0 });
  });

  it('POST /balance/charge › when a charge would take the balance over the maximum, then 400 and the balance is unchanged; up to the maximum is fine', async () => {
    const userId = newUser();
    await payment.prisma.balance.create({ data: { userId, amount: MAX_BALANCE - 5, version: 0 } });

    const over = await charge(userId, 6);
    const exact = await charge(userId, 5);

    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ code: 'VALIDATION.INVALID_BODY', message: expect.stringContaining(String(MAX_BALANCE)) });
    expect(exact).toMatchObject({ status: 200, body: { balance: MAX_BALANCE } });
    expect(await moneyOf(payment.prisma, userId)).toMatchObject({ balance: MAX_BALANCE, charged: 5, ledgerRows: 1 });
  });

  it('POST /balance/charge › when the gateway names no user, then 401 AUTH.INTERNAL_CREDENTIAL_MISSING', async () => {
    const answer = await payment.call('POST', '/balance/charge', { body: { amount: 10 } });

    expect(answer).toMatchObject({ status: 401, body: { code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' } });
  });
});

describe('POST /balance/charge on two payment instances sharing one database', () => {
  // Within one instance a user's balance writes queue up; across instances only the version check
  // decides, so two instances are what makes optimistic conflicts real.
  let first: PaymentFixture;
  let second: PaymentFixture;
  let lone: PaymentFixture;
  beforeAll(async () => {
    first = await startPayment(NO_BOOKING);
    second = await startPayment({ ...NO_BOOKING, schema: first.schema });
    lone = await startPayment({ ...NO_BOOKING, schema: first.schema, retry: { maxAttempts: 1, maxDelayMs: 1 } });
  });
  afterAll(async () => {
    await lone.close();
    await second.close();
    await first.close();
  });

  const chargeOn = (instance: PaymentFixture, userId: string) => instance.call('POST', '/balance/charge', { userId, body: { amount: 10 } });
  const retries = async (instance: PaymentFixture) => (await instance.wiring.metrics.lockRetries.get()).values.reduce((n, v) => n + v.value, 0);

  it('when 100 charges of 10 for one user are split over both instances, then the losers of the version race retry and the balance is exactly 1,000 with 100 ledger rows', async () => {
    const userId = newUser();

    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => chargeOn(i % 2 ? first : second, userId)));

    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(await moneyOf(first.prisma, userId)).toMatchObject({ balance: 1_000, charged: 1_000, ledgerRows: 100 });
    expect((await retries(first)) + (await retries(second))).toBeGreaterThan(0);
  });

  it('when an instance allowed a single attempt loses the version race, then it answers 409 CONCURRENT_UPDATE and exactly the winners are on the balance and in the ledger', async () => {
    const userId = newUser();
    await first.prisma.balance.create({ data: { userId, amount: 0, version: 0 } });

    // Whether two instances' writes interleave is up to timing: a burst may pass without a conflict on a
    // quiet machine, so bursts repeat (at most 10) until the single-attempt instance has lost once.
    const answers: Awaited<ReturnType<typeof chargeOn>>[] = [];
    for (let burst = 0; burst < 10 && answers.every((a) => a.status === 200); burst++) {
      answers.push(...(await Promise.all(Array.from({ length: 60 }, (_, i) => chargeOn(i % 2 ? first : lone, userId)))));
    }

    const won = answers.filter((a) => a.status === 200).length;
    const lost = answers.filter((a) => a.status !== 200);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.map((a) => [a.status, a.body.code])).toEqual(lost.map(() => [409, 'PAYMENT.CONCURRENT_UPDATE']));
    expect(await moneyOf(first.prisma, userId)).toMatchObject({ balance: 10 * won, charged: 10 * won, ledgerRows: won });
  });
});
