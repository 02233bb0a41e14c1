import { CreateReservationRequest, ReservationIdParams, type Reservation } from '@ticketing/contracts';
import { callerUserId, parseInput, type InternalApiRoute } from '@ticketing/service-kit';
import type { CatalogueReader } from '../../domain/catalogue';
import type { ReservationRecord } from '../../domain/reservation';
import type { ReservationService } from '../../domain/reservation.service';
import { requireLineOfSchedule } from './catalogue.routes';

export const toReservationBody = (r: ReservationRecord): Reservation => ({
  reservationId: r.id,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  price: r.price,
  status: r.status,
  expiresAt: r.expiresAt.toISOString(),
});

/**
 * `POST /reservations` (hold a seat) and `GET /reservations/:reservationId` (the owner's view). A caller
 * admitted through a concert's line holds and reads that concert's seats only (`403 QUEUE.WRONG_QUEUE`).
 */
export function reservationRoutes(reservations: ReservationService, catalogue: Pick<CatalogueReader, 'concertOfSchedule'>): InternalApiRoute[] {
  const hold: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { scheduleId, seatNo } = parseInput(CreateReservationRequest, req.body);
    await requireLineOfSchedule(catalogue, caller, scheduleId);
    return { status: 201, body: toReservationBody(await reservations.hold(userId, scheduleId, seatNo)) };
  };
  const read: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { reservationId } = parseInput(ReservationIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    const reservation = await reservations.getOwn(userId, reservationId);
    await requireLineOfSchedule(catalogue, caller, reservation.scheduleId);
    return { status: 200, body: toReservationBody(reservation) };
  };
  return [
    { method: 'POST', path: '/reservations', handle: hold },
    { method: 'GET', path: '/reservations/:reservationId', handle: read },
  ];
}
