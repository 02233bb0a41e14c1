import { z } from 'zod';
import { IsoDateTime, MAX_SEAT_NO, MoneyAmount, NonNegativeInt, SeatNo, Uuid, positiveIntString } from '../primitives';

/*
 * Booking routes (reached through the gateway): concerts, schedules, seats, reservations.
 * Requests, params and queries are strict objects: unknown keys are a 400, never silently ignored.
 * Responses are strict too, so a field leaking out (a version column, another user's id) fails the
 * contract tests; adding a field means adding it here first.
 */

// ---- path parameters (always strings; parsed strictly) ----

/** `/concerts/:concertId/...` */
export const ConcertIdParams = z.strictObject({ concertId: Uuid });
export type ConcertIdParams = z.infer<typeof ConcertIdParams>;

/** `/schedules/:scheduleId/...` */
export const ScheduleIdParams = z.strictObject({ scheduleId: Uuid });
export type ScheduleIdParams = z.infer<typeof ScheduleIdParams>;

/** `/reservations/:reservationId` */
export const ReservationIdParams = z.strictObject({ reservationId: Uuid });
export type ReservationIdParams = z.infer<typeof ReservationIdParams>;

/** A seat number in a path, `"1"`..`"100000"`, parsed to a number (`"01"`, `"1e3"`, `"+1"` rejected). */
export const SeatNoParam = positiveIntString(MAX_SEAT_NO);

/** `/schedules/:scheduleId/seats/:seatNo` (for routes that name one seat). */
export const SeatParams = z.strictObject({ scheduleId: Uuid, seatNo: SeatNoParam });
export type SeatParams = z.output<typeof SeatParams>;

// ---- catalogue ----

/** One item of `GET /concerts`. */
export const ConcertSummary = z.strictObject({
  concertId: Uuid,
  title: z.string().min(1),
  artist: z.string().min(1),
  venue: z.string().min(1),
  /** The on-sale time, if the concert has one: before it the gateway keeps the concert's line as a pre-queue. */
  opensAt: IsoDateTime.nullable().optional(),
});
export type ConcertSummary = z.infer<typeof ConcertSummary>;
export const ConcertListResponse = z.array(ConcertSummary);
export type ConcertListResponse = z.infer<typeof ConcertListResponse>;

/** One item of `GET /concerts/:concertId/schedules`. */
export const ScheduleSummary = z.strictObject({
  scheduleId: Uuid,
  startsAt: IsoDateTime,
  availableSeats: NonNegativeInt,
});
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;
export const ScheduleListResponse = z.array(ScheduleSummary);
export type ScheduleListResponse = z.infer<typeof ScheduleListResponse>;

/** HELD: someone's unpaid 5-minute hold; RESERVED: paid, sold for good. */
export const SeatStatus = z.enum(['AVAILABLE', 'HELD', 'RESERVED']);
export type SeatStatus = z.infer<typeof SeatStatus>;

/** One item of `GET /schedules/:scheduleId/seats`. */
export const Seat = z.strictObject({
  seatNo: SeatNo,
  price: MoneyAmount,
  status: SeatStatus,
});
export type Seat = z.infer<typeof Seat>;
export const SeatListResponse = z.array(Seat);
export type SeatListResponse = z.infer<typeof SeatListResponse>;

/**
 * `GET /schedules/:scheduleId/seats?status=AVAILABLE`. Values are exact (no lower case); a repeated
 * `status` arrives as an array and is rejected; unknown parameters are rejected like unknown body keys.
 */
export const SeatListQuery = z.strictObject({ status: SeatStatus.optional() });
export type SeatListQuery = z.infer<typeof SeatListQuery>;

// ---- reservations ----

/** `POST /reservations` body. The user comes from the verified token, never from the body. */
export const CreateReservationRequest = z.strictObject({
  scheduleId: Uuid,
  seatNo: SeatNo,
});
export type CreateReservationRequest = z.infer<typeof CreateReservationRequest>;

/** HELD → CONFIRMED (paid) or EXPIRED (hold ran out); CANCELLED when released on purpose. */
export const ReservationStatus = z.enum(['HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED']);
export type ReservationStatus = z.infer<typeof ReservationStatus>;

/** `GET /reservations/:reservationId` answer. `expiresAt` is the end of the hold, kept after payment too. */
export const Reservation = z.strictObject({
  reservationId: Uuid,
  scheduleId: Uuid,
  seatNo: SeatNo,
  price: MoneyAmount,
  status: ReservationStatus,
  expiresAt: IsoDateTime,
});
export type Reservation = z.infer<typeof Reservation>;

/** `POST /reservations` answer (`201`): always a fresh hold. */
export const CreateReservationResponse = Reservation.extend({ status: z.literal('HELD') });
export type CreateReservationResponse = z.infer<typeof CreateReservationResponse>;
