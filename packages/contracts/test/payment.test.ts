import { randomUUID } from 'node:crypto';
import { BalanceResponse, ChargeRequest, CreatePaymentRequest, MAX_CHARGE_AMOUNT, PaymentResponse } from '../src';

describe('ChargeRequest', () => {
  it('when MAX_CHARGE_AMOUNT is read, then it is the documented 10,000,000', () => {
    expect(MAX_CHARGE_AMOUNT).toBe(10_000_000);
  });

  it.each([[1], [150_000], [MAX_CHARGE_AMOUNT]])('when amount is %p, then it parses', (amount) => {
    expect(ChargeRequest.parse({ amount })).toEqual({ amount });
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['the string "10"', '10'],
    ['MAX + 1', MAX_CHARGE_AMOUNT + 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['beyond safe integers', 2 ** 53],
    ['null', null],
    ['a boolean', true],
  ])('when amount is %s, then it is rejected', (_label, amount) => {
    expect(ChargeRequest.safeParse({ amount }).success).toBe(false);
  });

  it.each([
    ['no amount', {}],
    ['an extra field', { amount: 1, userId: 'u1' }],
    ['a body that is an array', [1]],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(ChargeRequest.safeParse(body).success).toBe(false);
  });

  it('when amount is above the max, then the message names the max', () => {
    const result = ChargeRequest.safeParse({ amount: MAX_CHARGE_AMOUNT + 1 });
    expect(result.error?.issues[0]?.message).toContain(String(MAX_CHARGE_AMOUNT));
  });

  it('when a JSON body holds 1e3, then it is the number 1000 and parses (JSON has no separate integer type)', () => {
    expect(ChargeRequest.parse(JSON.parse('{"amount":1e3}'))).toEqual({ amount: 1000 });
  });
});

describe('BalanceResponse', () => {
  it.each([[0], [10_000_000_000]])('when balance is %p, then it parses', (balance) => {
    expect(BalanceResponse.parse({ balance })).toEqual({ balance });
  });

  it.each([[-1], [0.5], ['100']])('when balance is %p, then it is rejected', (balance) => {
    expect(BalanceResponse.safeParse({ balance }).success).toBe(false);
  });

  it('when the answer leaks the version column, then it is rejected', () => {
    expect(BalanceResponse.safeParse({ balance: 1, version: 3 }).success).toBe(false);
  });
});

describe('CreatePaymentRequest', () => {
  it('when reservationId is a UUID, then it parses', () => {
    const body = { reservationId: randomUUID() };
    expect(CreatePaymentRequest.parse(body)).toEqual(body);
  });

  it.each([
    ['a non-UUID id', { reservationId: '123' }],
    ['a numeric id', { reservationId: 123 }],
    ['a client-chosen amount', { reservationId: randomUUID(), amount: 1 }],
    ['nothing', {}],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(CreatePaymentRequest.safeParse(body).success).toBe(false);
  });
});

describe('PaymentResponse', () => {
  const paid = { paymentId: randomUUID(), reservationId: randomUUID(), amount: 110_000, status: 'COMPLETED' };

  it('when the payment completed, then the answer parses', () => {
    expect(PaymentResponse.parse(paid)).toEqual(paid);
  });

  it.each([
    ['status PENDING', { ...paid, status: 'PENDING' }],
    ['amount 0', { ...paid, amount: 0 }],
    ['a bad paymentId', { ...paid, paymentId: 'p-1' }],
    ['an extra field', { ...paid, balance: 0 }],
  ])('when the answer has %s, then it is rejected', (_label, body) => {
    expect(PaymentResponse.safeParse(body).success).toBe(false);
  });
});
