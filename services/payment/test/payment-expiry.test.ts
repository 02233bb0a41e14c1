import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { holdSeat, seatState, setHoldExpiry } from './support/booking-helpers';
import { expectMoneyBalances, moneyOf } from './support/money';
import { proxiedPaymentRig } from './support/proxied-payment';

/** Holds that run out while they are being paid: the money and the seat must agree in the end. */
describe('POST /payments racing the hold expiry', () => {
  const rig = proxiedPaymentRig();

  const funded = async (amount: number) => {
    const userId = `racer-${randomUUID().slice(0, 8)}`;
    expect((await rig.payment.call('POST', '/balance/charge', { userId, body: { amount } })).status).toBe(200);
    return userId;
  };

  it('when the hold expires between the deduction and booking confirming it, then the amount is refunded, the seat released, 409 RESERVATION_EXPIRED answered and replayed for the key', async () => {
    const userId = await funded(300_000);
    const hold = await holdSeat(rig.booking, userId, rig.nextSeat());
    const key = `key-${randomUUID()}`;
    // The money has left the balance by the time booking is asked: that is when the hold runs out.
    rig.proxy.onConfirm = async (reservationId) => {
      await setHoldExpiry(rig.booking, reservationId, -1_000);
      return 'forward';
    };

    const answer = await rig.payment.call('POST', '/payments', { userId, body: { reservationId: hold.reservationId }, key });
    rig.proxy.onConfirm = undefined;
    const replay = await rig.payment.call('POST', '/payments', { userId, body: { reservationId: hold.reservationId }, key });

    expect(answer).toMatchObject({ status: 409, body: { code: 'BOOKING.RESERVATION_EXPIRED' } });
    expect(replay).toMatchObject({ status: 409, body: { code: 'BOOKING.RESERVATION_EXPIRED' } });
    const rows = await rig.payment.prisma.payment.findMany({ where: { reservationId: hold.reservationId } });
    expect(rows.map((r) => [r.status, r.failureCode])).toEqual([['REFUNDED', 'BOOKING.RESERVATION_EXPIRED']]);
    const money = await moneyOf(rig.payment.prisma, userId);
    expect(money).toMatchObject({ balance: 300_000, paid: hold.price, refunded: hold.price, completed: 0 });
    expectMoneyBalances(money);
    expect(await rig.payment.prisma.outboxEvent.count({ where: { key: hold.reservationId } })).toBe(0);
    expect(await seatState(rig.booking, hold.reservationId)).toEqual({ reservation: 'CANCELLED', paymentId: null, seat: 'AVAILABLE' });
  });

  it('when 40 holds reach their deadline just as they are paid, then each ends paid and confirmed or unpaid and released, never in between, and the money adds up', async () => {
    const users = [await funded(5_000_000), await funded(5_000_000), await funded(5_000_000), await funded(5_000_000)];
    const holds = [];
    for (let i = 0; i < 40; i++) holds.push(await holdSeat(rig.booking, users[i % users.length]!, rig.nextSeat()));
    // Each deadline is set just before its payment is fired, 0 to ~3 s ahead: wide enough for a loaded
    // 2-core machine, where 40 payments at once take up to ~2 s, so expiries land before, during and
    // after the different steps (seen: ~12 refused at once, 2-4 refunded after the deduction, the rest paid).
    const answers = await Promise.all(
      holds.map(async (hold, i) => {
        await setHoldExpiry(rig.booking, hold.reservationId, i * 75);
        return rig.payment.call('POST', '/payments', { userId: users[i % users.length]!, body: { reservationId: hold.reservationId } });
      }),
    );
    // What booking's sweeper does for holds that ran out with nobody paying.
    await rig.booking.store.expireDue(1_000);

    for (const [i, hold] of holds.entries()) {
      const answer = answers[i]!;
      const seat = await seatState(rig.booking, hold.reservationId);
      const rows = await rig.payment.prisma.payment.findMany({ where: { reservationId: hold.reservationId } });
      if (answer.status === 201) {
        expect(rows.map((r) => [r.id, r.status])).toEqual([[answer.body.paymentId, 'COMPLETED']]);
        expect(seat).toEqual({ reservation: 'CONFIRMED', paymentId: answer.body.paymentId, seat: 'RESERVED' });
        expect(await rig.payment.prisma.outboxEvent.count({ where: { key: hold.reservationId } })).toBe(1);
      } else {
        expect(answer).toMatchObject({ status: 409, body: { code: 'BOOKING.RESERVATION_EXPIRED' } });
        expect(rows.map((r) => r.status)).toEqual(rows.length ? ['REFUNDED'] : []);
        expect(seat.seat).toBe('AVAILABLE');
        expect(['EXPIRED', 'CANCELLED']).toContain(seat.reservation);
      }
    }
    for (const userId of users) expectMoneyBalances(await moneyOf(rig.payment.prisma, userId));
    expect(await rig.payment.prisma.payment.count({ where: { status: 'PENDING' } })).toBe(0);
  });
});
