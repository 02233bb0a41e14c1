import { CreateReservationRequest, ReservationIdParams, type Reservation } from '@ticketing/contracts';
import { callerUserId, parseInput, type InternalApiRoute } from '@ticketing/service-kit';
import type { ReservationRecord } from '../../domain/reservation';
import type { ReservationService } from '../../domain/reservation.service';

export const toReservationBody = (r: ReservationRecord): Reservation => ({
  reservationId: r.id,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  price: r.price,
  status: r.status,
  expiresAt: r.expiresAt.toISOString(),
});

/** `POST /reservations` (hold a seat) and `GET /reservations/:reservationId` (the owner's view). */
export function reservationRoutes(reservations: ReservationService): InternalApiRoute[] {
  const hold: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { scheduleId, seatNo } = parseInput(CreateReservationRequest, req.body);
    return { status: 201, body: toReservationBody(await reservations.hold(userId, scheduleId, seatNo)) };
  };
  const read: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { reservationId } = parseInput(ReservationIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    return { status: 200, body: toReservationBody(await reservations.getOwn(userId, reservationId)) };
  };
  return [
    { method: 'POST', path: '/reservations', handle: hold },
    { method: 'GET', path: '/reservations/:reservationId', handle: read },
  ];
}
