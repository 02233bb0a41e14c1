import express, { type Router } from 'express';
import { CreateReservationRequest, ReservationIdParams, type Reservation } from '@ticketing/contracts';
import { callerUserId, parseInput } from '@ticketing/service-kit';
import type { BookingMetrics } from '../../data-access/booking.metrics';
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
export function reservationRoutes(reservations: ReservationService, metrics: BookingMetrics): Router {
  const router = express.Router();

  router.post('/reservations', async (req, res) => {
    const userId = callerUserId(res);
    const { scheduleId, seatNo } = parseInput(CreateReservationRequest, req.body);
    const endTimer = metrics.holdSeconds.startTimer();
    try {
      res.status(201).json(toReservationBody(await reservations.hold(userId, scheduleId, seatNo)));
    } finally {
      endTimer();
    }
  });

  router.get('/reservations/:reservationId', async (req, res) => {
    const userId = callerUserId(res);
    const { reservationId } = parseInput(ReservationIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    res.json(toReservationBody(await reservations.getOwn(userId, reservationId)));
  });

  return router;
}
