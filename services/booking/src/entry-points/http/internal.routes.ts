import express, { type Router } from 'express';
import { ConfirmReservationRequest, ReservationIdParams, type InternalReservation } from '@ticketing/contracts';
import { parseInput } from '@ticketing/service-kit';
import type { ReservationRecord } from '../../domain/reservation';
import type { ReservationService } from '../../domain/reservation.service';

const toInternal = (r: ReservationRecord): InternalReservation => ({
  reservationId: r.id,
  userId: r.userId,
  concertId: r.concertId,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  price: r.price,
  status: r.status,
  expiresAt: r.expiresAt.toISOString(),
  paymentId: r.paymentId,
});

/**
 * What payment needs from booking: read a reservation, confirm it for a payment, release it.
 * Confirm and release are idempotent, so payment may retry them after a crash or a timeout.
 */
export function internalRoutes(reservations: ReservationService): Router {
  const router = express.Router();
  const idOf = (params: unknown) => parseInput(ReservationIdParams, params, 'VALIDATION.INVALID_PARAMS').reservationId;

  router.get('/internal/reservations/:reservationId', async (req, res) => {
    res.json(toInternal(await reservations.get(idOf(req.params))));
  });

  router.post('/internal/reservations/:reservationId/confirm', async (req, res) => {
    const { paymentId } = parseInput(ConfirmReservationRequest, req.body);
    res.json(toInternal(await reservations.confirm(idOf(req.params), paymentId)));
  });

  router.post('/internal/reservations/:reservationId/release', async (req, res) => {
    res.json(toInternal(await reservations.release(idOf(req.params))));
  });

  return router;
}
