import { expect } from '@jest/globals';
import type { BookingFixture } from '@ticketing/booking/testing';

export interface Hold {
  reservationId: string;
  price: number;
  scheduleId: string;
  seatNo: number;
}

/** Seats handed out one by one across the fixture's schedules, so no two tests of a file share a seat. */
export function seatDealer(booking: BookingFixture, seatsPerSchedule = 100) {
  let next = 0;
  return () => {
    const scheduleIndex = Math.floor(next / seatsPerSchedule);
    const seatNo = (next % seatsPerSchedule) + 1;
    next += 1;
    return { scheduleId: booking.scheduleIds[scheduleIndex]!, seatNo };
  };
}

/** Holds a seat for `userId` through booking's real API. */
export async function holdSeat(booking: BookingFixture, userId: string, seat: { scheduleId: string; seatNo: number }): Promise<Hold> {
  const answer = await booking.call('POST', '/reservations', { userId, body: seat });
  expect(answer.status).toBe(201);
  return { reservationId: answer.body.reservationId as string, price: answer.body.price as number, ...seat };
}

/** The reservation's and its seat's states as booking stores them. */
export async function seatState(booking: BookingFixture, reservationId: string): Promise<{ reservation: string; paymentId: string | null; seat: string }> {
  const reservation = await booking.prisma.reservation.findUniqueOrThrow({ where: { id: reservationId } });
  const seat = await booking.prisma.seat.findUniqueOrThrow({ where: { scheduleId_seatNo: { scheduleId: reservation.scheduleId, seatNo: reservation.seatNo } } });
  return { reservation: reservation.status, paymentId: reservation.paymentId, seat: seat.status };
}

/** Moves a hold's deadline (e.g. into the past), as time passing would. */
export async function setHoldExpiry(booking: BookingFixture, reservationId: string, offsetMs: number): Promise<void> {
  await booking.prisma.$executeRaw`UPDATE reservations SET expires_at = now() + make_interval(secs => ${offsetMs / 1000}) WHERE id = ${reservationId}::uuid`;
}
