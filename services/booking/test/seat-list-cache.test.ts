import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startBooking, type BookingFixture } from '../src/testing';

/*
 * The seat list is served from a cache for a moment (CATALOGUE_CACHE_MS); a change this process makes
 * to a seat drops its schedule's lists at once. A long TTL here: whatever the test sees fresh was
 * invalidated, not expired.
 */
describe('GET /schedules/:scheduleId/seats with the seat-list cache', () => {
  let booking: BookingFixture;
  beforeAll(async () => {
    booking = await startBooking({ seats: 20, catalogueCacheMs: 600_000 });
  });
  afterAll(() => booking.close());

  const available = async (scheduleId: string) =>
    ((await booking.call('GET', `/schedules/${scheduleId}/seats?status=AVAILABLE`)).body as { seatNo: number }[]).map((s) => s.seatNo);

  it('when a user holds a seat just listed as AVAILABLE, then their next list no longer shows it, and the full list shows it HELD', async () => {
    const scheduleId = booking.scheduleIds[0]!;
    expect(await available(scheduleId)).toContain(5);
    await booking.call('GET', `/schedules/${scheduleId}/seats`);

    const hold = await booking.call('POST', '/reservations', { userId: 'fan', body: { scheduleId, seatNo: 5 } });

    expect(hold.status).toBe(201);
    expect(await available(scheduleId)).not.toContain(5);
    const all = (await booking.call('GET', `/schedules/${scheduleId}/seats`)).body as { seatNo: number; status: string }[];
    expect(all.find((s) => s.seatNo === 5)?.status).toBe('HELD');
  });

  it('when the hold is confirmed or released, then the lists follow at once', async () => {
    const scheduleId = booking.scheduleIds[1]!;
    const held = await booking.call('POST', '/reservations', { userId: 'fan', body: { scheduleId, seatNo: 3 } });
    const other = await booking.call('POST', '/reservations', { userId: 'fan', body: { scheduleId, seatNo: 4 } });
    expect(await available(scheduleId)).not.toContain(3);

    await booking.store.release(other.body.reservationId);
    await booking.store.confirm(held.body.reservationId, '00000000-0000-4000-8000-000000000001');

    expect(await available(scheduleId)).toContain(4);
    const all = (await booking.call('GET', `/schedules/${scheduleId}/seats`)).body as { seatNo: number; status: string }[];
    expect(all.find((s) => s.seatNo === 3)?.status).toBe('RESERVED');
  });

  it('when the schedule does not exist, then 404 whatever is cached', async () => {
    const res = await booking.call('GET', '/schedules/00000000-0000-4000-8000-000000000000/seats');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('BOOKING.SCHEDULE_NOT_FOUND');
  });
});
