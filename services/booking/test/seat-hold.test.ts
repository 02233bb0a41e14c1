import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateReservationResponse } from '@ticketing/contracts';
import { startBooking, type BookingFixture } from '../src/testing';

describe('POST /reservations', () => {
  let booking: BookingFixture;
  beforeAll(async () => {
    booking = await startBooking({ seats: 300 });
  });
  afterAll(() => booking.close());

  const seatRow = (scheduleId: string, seatNo: number) =>
    booking.prisma.seat.findUniqueOrThrow({ where: { scheduleId_seatNo: { scheduleId, seatNo } } });

  it('when 200 users hold the same seat at once, then exactly one 201, 199 × 409 SEAT_UNAVAILABLE, one reservation row and the seat HELD', async () => {
    const scheduleId = booking.scheduleIds[0]!;

    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => booking.call('POST', '/reservations', { userId: `fan-${i}`, body: { scheduleId, seatNo: 7 } })),
    );

    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    expect(CreateReservationResponse.parse(created[0]!.body)).toMatchObject({ scheduleId, seatNo: 7, status: 'HELD' });
    const losers = answers.filter((a) => a.status === 409);
    expect(losers).toHaveLength(199);
    expect(new Set(losers.map((a) => a.body.code))).toEqual(new Set(['BOOKING.SEAT_UNAVAILABLE']));
    expect(await booking.prisma.reservation.count({ where: { scheduleId, seatNo: 7 } })).toBe(1);
    expect((await seatRow(scheduleId, 7)).status).toBe('HELD');
  });

  it('when 1,000 holds of random seats race, then every success is a distinct seat and seats and reservations agree exactly', async () => {
    const scheduleId = booking.scheduleIds[1]!;

    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        booking.call('POST', '/reservations', { userId: `bot-${i}`, body: { scheduleId, seatNo: 1 + Math.floor(Math.random() * 300) } }),
      ),
    );

    const won = answers.filter((a) => a.status === 201).map((a) => a.body.seatNo as number);
    expect(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.code === 'BOOKING.SEAT_UNAVAILABLE'))).toBe(true);
    expect(new Set(won).size).toBe(won.length);
    const heldSeats = (await booking.prisma.seat.findMany({ where: { scheduleId, status: 'HELD' }, select: { seatNo: true } })).map((s) => s.seatNo);
    const heldReservations = await booking.prisma.reservation.findMany({ where: { scheduleId, status: 'HELD' }, select: { seatNo: true } });
    expect(heldSeats.sort((a, b) => a - b)).toEqual([...won].sort((a, b) => a - b));
    expect(heldReservations.map((r) => r.seatNo).sort((a, b) => a - b)).toEqual([...won].sort((a, b) => a - b));
  });

  it('when the seat does not exist, then 404 BOOKING.SEAT_NOT_FOUND and nothing is written', async () => {
    const before = await booking.prisma.reservation.count();

    const answer = await booking.call('POST', '/reservations', { userId: 'fan-x', body: { scheduleId: booking.scheduleIds[0], seatNo: 99_999 } });

    expect(answer).toMatchObject({ status: 404, body: { code: 'BOOKING.SEAT_NOT_FOUND' } });
    expect(await booking.prisma.reservation.count()).toBe(before);
  });

  it('when the body is bad, then 400 VALIDATION.* and nothing is written', async () => {
    const before = await booking.prisma.reservation.count();
    const bodies = ['{"scheduleId":', { scheduleId: 'nope', seatNo: 1 }, { scheduleId: booking.scheduleIds[0], seatNo: 0 }, { scheduleId: booking.scheduleIds[0], seatNo: '3' }, { scheduleId: booking.scheduleIds[0], seatNo: 1, userId: 'someone-else' }, []];

    const answers = await Promise.all(bodies.map((body) => booking.call('POST', '/reservations', { userId: 'fan-y', body })));

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body.code).toMatch(/^VALIDATION\./);
    }
    expect(await booking.prisma.reservation.count()).toBe(before);
  });

  it('when the internal credential is missing or wrong, then 401 AUTH.INTERNAL_CREDENTIAL_MISSING and nothing is written', async () => {
    const before = await booking.prisma.reservation.count();
    const body = { scheduleId: booking.scheduleIds[0], seatNo: 50 };

    const missing = await booking.call('POST', '/reservations', { userId: 'fan-z', body, credential: null });
    const wrong = await booking.call('POST', '/reservations', { userId: 'fan-z', body, credential: 'not-the-internal-token-at-all' });

    expect(missing).toMatchObject({ status: 401, body: { code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' } });
    expect(await booking.prisma.reservation.count()).toBe(before);
  });
});
