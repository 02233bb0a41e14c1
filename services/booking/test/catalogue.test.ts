import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConcertListResponse, Reservation, ScheduleListResponse, SeatListResponse } from '@ticketing/contracts';
import { startBooking, type BookingFixture } from '../src/testing';

describe('catalogue and reservation reads', () => {
  let booking: BookingFixture;
  beforeAll(async () => {
    booking = await startBooking({ seats: 20 });
  });
  afterAll(() => booking.close());

  it('when concerts and their schedules are listed, then each schedule counts its available seats, and a hold lowers the count', async () => {
    const concerts = ConcertListResponse.parse((await booking.call('GET', '/concerts', { userId: 'u1' })).body);
    const concertId = booking.concertIds[0]!;
    const before = ScheduleListResponse.parse((await booking.call('GET', `/concerts/${concertId}/schedules`, { userId: 'u1' })).body);
    await booking.call('POST', '/reservations', { userId: 'u1', body: { scheduleId: before[0]!.scheduleId, seatNo: 3 } });
    const after = ScheduleListResponse.parse((await booking.call('GET', `/concerts/${concertId}/schedules`, { userId: 'u1' })).body);

    expect(concerts.map((c) => c.concertId)).toEqual(booking.concertIds);
    expect(before.map((s) => s.availableSeats)).toEqual([20, 20]);
    expect(after.map((s) => s.availableSeats)).toEqual([19, 20]);
  });

  it('when seats are listed with ?status=AVAILABLE, then held seats are left out; without it, every seat shows its status', async () => {
    const scheduleId = booking.scheduleIds[1]!;
    await booking.call('POST', '/reservations', { userId: 'u2', body: { scheduleId, seatNo: 5 } });

    const all = SeatListResponse.parse((await booking.call('GET', `/schedules/${scheduleId}/seats`, { userId: 'u2' })).body);
    const available = SeatListResponse.parse((await booking.call('GET', `/schedules/${scheduleId}/seats?status=AVAILABLE`, { userId: 'u2' })).body);

    expect(all).toHaveLength(20);
    expect(all.find((s) => s.seatNo === 5)?.status).toBe('HELD');
    expect(available.map((s) => s.seatNo)).toEqual(all.filter((s) => s.seatNo !== 5).map((s) => s.seatNo));
  });

  it('when a concert or schedule is unknown or malformed, then 404 or 400 with its code', async () => {
    const unknown = '11111111-2222-4333-8444-555555555555';

    expect(await booking.call('GET', `/concerts/${unknown}/schedules`, { userId: 'u' })).toMatchObject({ status: 404, body: { code: 'BOOKING.CONCERT_NOT_FOUND' } });
    expect(await booking.call('GET', `/schedules/${unknown}/seats`, { userId: 'u' })).toMatchObject({ status: 404, body: { code: 'BOOKING.SCHEDULE_NOT_FOUND' } });
    expect(await booking.call('GET', '/concerts/not-a-uuid/schedules', { userId: 'u' })).toMatchObject({ status: 400, body: { code: 'VALIDATION.INVALID_PARAMS' } });
    expect(await booking.call('GET', `/schedules/${booking.scheduleIds[0]}/seats?status=available`, { userId: 'u' })).toMatchObject({ status: 400, body: { code: 'VALIDATION.INVALID_QUERY' } });
  });

  it('when someone asks for a reservation, then only its owner sees it; others and unknown ids get 404, malformed ids 400', async () => {
    const held = await booking.call('POST', '/reservations', { userId: 'owner', body: { scheduleId: booking.scheduleIds[0], seatNo: 9 } });
    const id = held.body.reservationId as string;

    const mine = await booking.call('GET', `/reservations/${id}`, { userId: 'owner' });
    const theirs = await booking.call('GET', `/reservations/${id}`, { userId: 'intruder' });
    const unknown = await booking.call('GET', '/reservations/11111111-2222-4333-8444-555555555555', { userId: 'owner' });
    const malformed = await booking.call('GET', '/reservations/42', { userId: 'owner' });
    const anonymous = await booking.call('GET', `/reservations/${id}`);

    expect(Reservation.parse(mine.body)).toEqual(held.body);
    expect(theirs).toMatchObject({ status: 404, body: { code: 'BOOKING.RESERVATION_NOT_FOUND' } });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'BOOKING.RESERVATION_NOT_FOUND' } });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'VALIDATION.INVALID_PARAMS' } });
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' } });
  });
});
