import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InternalReservation } from '@ticketing/contracts';
import { createLogger } from '@ticketing/service-kit';
import { waitFor } from '@ticketing/devstack/testing';
import { createBookingMetrics } from '../src/data-access/booking.metrics';
import { startHoldSweeper } from '../src/entry-points/jobs/hold-expiry.jobs';
import { Registry } from 'prom-client';
import { startBooking, type BookingFixture } from '../src/testing';

describe('hold expiry and the payment hand-off', () => {
  let booking: BookingFixture;
  beforeAll(async () => {
    booking = await startBooking({ holdSeconds: 1 });
  });
  afterAll(() => booking.close());

  const hold = async (seatNo: number, userId = 'fan-1', scheduleId = booking.scheduleIds[0]!) => {
    const answer = await booking.call('POST', '/reservations', { userId, body: { scheduleId, seatNo } });
    expect(answer.status).toBe(201);
    return answer.body.reservationId as string;
  };
  const state = async (reservationId: string) => {
    const reservation = await booking.prisma.reservation.findUniqueOrThrow({ where: { id: reservationId } });
    const seat = await booking.prisma.seat.findUniqueOrThrow({ where: { scheduleId_seatNo: { scheduleId: reservation.scheduleId, seatNo: reservation.seatNo } } });
    return { reservation: reservation.status, seat: seat.status };
  };

  it('when a hold passes its expiry unpaid, then its delayed job releases it (EXPIRED, seat AVAILABLE) and the seat can be held again', async () => {
    const first = await hold(11);

    const released = await waitFor('the hold to expire', async () => {
      const now = await state(first);
      return now.reservation === 'EXPIRED' ? now : undefined;
    }, 20_000);
    const second = await hold(11, 'fan-2');

    expect(released).toEqual({ reservation: 'EXPIRED', seat: 'AVAILABLE' });
    expect(await state(second)).toEqual({ reservation: 'HELD', seat: 'HELD' });
  });

  it('when the delayed jobs are gone (a restart lost them), then the sweeper releases the due holds', async () => {
    const ids = await Promise.all([21, 22, 23].map((seatNo) => hold(seatNo)));
    // Jobs lost: the store still says HELD, and no worker will ever see these holds.
    await booking.prisma.$executeRaw`UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = ANY(${ids}::uuid[])`;
    const untouched = await booking.store.expire('00000000-0000-4000-8000-000000000000');
    expect(untouched).toBe(false);

    const metrics = createBookingMetrics(new Registry());
    const stop = startHoldSweeper(booking.store, 100, createLogger({ service: 't', level: 'silent' }), metrics);
    const states = await waitFor('the sweeper', async () => {
      const all = await Promise.all(ids.map(state));
      return all.every((s) => s.reservation === 'EXPIRED') ? all : undefined;
    }, 20_000);
    await stop();

    expect(states).toEqual(ids.map(() => ({ reservation: 'EXPIRED', seat: 'AVAILABLE' })));
  });

  it('when expiry and confirmation hit the same hold at the same moment, then exactly one wins and the seat agrees with it', async () => {
    for (let seatNo = 31; seatNo < 71; seatNo++) {
      const id = await hold(seatNo, `racer-${seatNo}`);
      // Due within a few milliseconds: both transitions are fired at the boundary.
      await booking.prisma.$executeRaw`UPDATE reservations SET expires_at = now() + interval '3 milliseconds' WHERE id = ${id}::uuid`;
      await new Promise((resolve) => setTimeout(resolve, 3));
      const [expired, confirmed] = await Promise.all([booking.store.expire(id), booking.store.confirm(id, randomUUID())]);
      const final = await state(id);

      expect([expired, confirmed.kind === 'confirmed'].filter(Boolean).length).toBeLessThanOrEqual(1);
      if (confirmed.kind === 'confirmed') expect(final).toEqual({ reservation: 'CONFIRMED', seat: 'RESERVED' });
      else if (expired) expect(final).toEqual({ reservation: 'EXPIRED', seat: 'AVAILABLE' });
      // Neither: the expiry ran a moment before the deadline and the claim a moment after; the hold
      // is simply still due, and the next expiry run releases it.
      else expect(final).toEqual({ reservation: 'HELD', seat: 'HELD' });
    }
  });

  it('when payment confirms a live hold twice, then both answers are the confirmed reservation; another payment gets 409 ALREADY_PAID', async () => {
    const id = await hold(80, 'payer-1');
    const paymentId = randomUUID();

    const first = await booking.call('POST', `/internal/reservations/${id}/confirm`, { body: { paymentId } });
    const again = await booking.call('POST', `/internal/reservations/${id}/confirm`, { body: { paymentId } });
    const other = await booking.call('POST', `/internal/reservations/${id}/confirm`, { body: { paymentId: randomUUID() } });
    const release = await booking.call('POST', `/internal/reservations/${id}/release`);

    expect(first.status).toBe(200);
    expect(InternalReservation.parse(first.body)).toMatchObject({ status: 'CONFIRMED', paymentId, userId: 'payer-1', concertId: booking.concertIds[0] });
    expect(again).toEqual(first);
    expect(other).toMatchObject({ status: 409, body: { code: 'PAYMENT.ALREADY_PAID' } });
    expect(release).toMatchObject({ status: 409, body: { code: 'PAYMENT.ALREADY_PAID' } });
    expect(await state(id)).toEqual({ reservation: 'CONFIRMED', seat: 'RESERVED' });
  });

  it('when payment confirms an expired hold, then 409 RESERVATION_EXPIRED and the seat stays available', async () => {
    const id = await hold(81, 'late-payer');
    await booking.prisma.$executeRaw`UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = ${id}::uuid`;

    const answer = await booking.call('POST', `/internal/reservations/${id}/confirm`, { body: { paymentId: randomUUID() } });
    await booking.store.expire(id);

    expect(answer).toMatchObject({ status: 409, body: { code: 'BOOKING.RESERVATION_EXPIRED' } });
    expect(await state(id)).toEqual({ reservation: 'EXPIRED', seat: 'AVAILABLE' });
  });

  it('when an unpaid hold is released twice, then it is CANCELLED once and the seat is AVAILABLE', async () => {
    const id = await hold(82);

    const first = await booking.call('POST', `/internal/reservations/${id}/release`);
    const again = await booking.call('POST', `/internal/reservations/${id}/release`);

    expect(first).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    expect(again).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    expect(await state(id)).toEqual({ reservation: 'CANCELLED', seat: 'AVAILABLE' });
  });
});
