import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startBooking, type BookingFixture } from '../src/testing';

/** Security review, point 1: one user must not be able to hold a whole schedule. */
describe('the per-user hold cap', () => {
  let booking: BookingFixture;
  beforeAll(async () => {
    booking = await startBooking({ seats: 200, holdLimit: 4 });
  });
  afterAll(() => booking.close());

  const hold = (userId: string, scheduleId: string, seatNo: number) => booking.call('POST', '/reservations', { userId, body: { scheduleId, seatNo } });
  const liveHolds = (userId: string, scheduleId: string) => booking.prisma.reservation.count({ where: { userId, scheduleId, status: 'HELD' } });
  const heldSeats = (scheduleId: string) => booking.prisma.seat.count({ where: { scheduleId, status: 'HELD' } });

  it('when one user fires 60 holds of distinct seats at once, then exactly 4 succeed, the rest are 409 BOOKING.HOLD_LIMIT and only 4 seats are held', async () => {
    const scheduleId = booking.scheduleIds[0]!;

    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => hold('hoarder', scheduleId, i + 1)));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.every((a) => a.status === 409 && a.body.code === 'BOOKING.HOLD_LIMIT')).toBe(true);
    expect(await liveHolds('hoarder', scheduleId)).toBe(4);
    expect(await heldSeats(scheduleId)).toBe(4);
  });

  it('when a user at the cap releases, pays or lets a hold lapse, then that hold counts no more and the next hold succeeds', async () => {
    const scheduleId = booking.scheduleIds[1]!;
    const held = [];
    for (let seatNo = 1; seatNo <= 4; seatNo++) held.push((await hold('collector', scheduleId, seatNo)).body.reservationId as string);
    expect(await hold('collector', scheduleId, 5)).toMatchObject({ status: 409, body: { code: 'BOOKING.HOLD_LIMIT' } });

    // Released by payment (the internal route), confirmed by payment, and expired by the sweeper's update.
    expect((await booking.call('POST', `/internal/reservations/${held[0]}/release`, {})).status).toBe(200);
    expect((await hold('collector', scheduleId, 5)).status).toBe(201);
    expect((await booking.call('POST', `/internal/reservations/${held[1]}/confirm`, { body: { paymentId: '00000000-0000-4000-8000-000000000001' } })).status).toBe(200);
    expect((await hold('collector', scheduleId, 6)).status).toBe(201);
    await booking.prisma.reservation.update({ where: { id: held[2]! }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await booking.store.expire(held[2]!)).toBe(true);
    expect((await hold('collector', scheduleId, 7)).status).toBe(201);

    expect(await hold('collector', scheduleId, 8)).toMatchObject({ status: 409, body: { code: 'BOOKING.HOLD_LIMIT' } });
    expect(await liveHolds('collector', scheduleId)).toBe(4);
  });

  it('when a user is at the cap on one schedule, then other schedules and other users are not affected', async () => {
    const [first, second] = [booking.scheduleIds[2]!, booking.scheduleIds[3]!];
    for (let seatNo = 1; seatNo <= 4; seatNo++) expect((await hold('busy', first, seatNo)).status).toBe(201);

    expect((await hold('busy', second, 1)).status).toBe(201);
    expect((await hold('someone-else', first, 5)).status).toBe(201);
  });

  it('when a user at the cap asks for a seat that is taken or missing, then the answer says which (404 first, then the cap)', async () => {
    const scheduleId = booking.scheduleIds[2]!;
    expect(await hold('busy', scheduleId, 9_999)).toMatchObject({ status: 404, body: { code: 'BOOKING.SEAT_NOT_FOUND' } });
    expect(await hold('busy', scheduleId, 5)).toMatchObject({ status: 409, body: { code: 'BOOKING.HOLD_LIMIT' } });
    expect(await hold('fresh', scheduleId, 5)).toMatchObject({ status: 409, body: { code: 'BOOKING.SEAT_UNAVAILABLE' } });
  });
});
