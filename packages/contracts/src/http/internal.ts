import { z } from 'zod';
import { IsoDateTime, MoneyAmount, SeatNo, UserId, Uuid } from '../primitives';
import { ReservationStatus } from './booking';

/*
 * Service-to-service routes of booking, called by payment with the internal credential. The gateway
 * never forwards `/internal/*`, so clients cannot reach them.
 */

/** `GET /internal/reservations/:reservationId`: everything payment needs to charge and to announce the sale. */
export const InternalReservation = z.strictObject({
  reservationId: Uuid,
  userId: UserId,
  concertId: Uuid,
  scheduleId: Uuid,
  seatNo: SeatNo,
  price: MoneyAmount,
  status: ReservationStatus,
  expiresAt: IsoDateTime,
  paymentId: Uuid.nullable(),
});
export type InternalReservation = z.infer<typeof InternalReservation>;

/** `POST /internal/reservations/:reservationId/confirm`: HELD and unexpired → CONFIRMED by this payment. */
export const ConfirmReservationRequest = z.strictObject({ paymentId: Uuid });
export type ConfirmReservationRequest = z.infer<typeof ConfirmReservationRequest>;
