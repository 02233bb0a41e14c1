import express, { type Router } from 'express';
import { ConcertIdParams, ScheduleIdParams, SeatListQuery } from '@ticketing/contracts';
import { AppError, parseInput } from '@ticketing/service-kit';
import type { PrismaCatalogueReader } from '../../data-access/catalogue.repository';

/** `GET /concerts`, `GET /concerts/:concertId/schedules`, `GET /schedules/:scheduleId/seats`: JSON straight from the reader. */
export function catalogueRoutes(catalogue: PrismaCatalogueReader): Router {
  const router = express.Router();

  router.get('/concerts', async (_req, res) => {
    res.type('application/json').send(await catalogue.concertsJson());
  });

  router.get('/concerts/:concertId/schedules', async (req, res) => {
    const { concertId } = parseInput(ConcertIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    const schedules = await catalogue.schedulesJson(concertId);
    if (schedules === undefined) throw new AppError('BOOKING.CONCERT_NOT_FOUND', `No concert ${concertId}`);
    res.type('application/json').send(schedules);
  });

  router.get('/schedules/:scheduleId/seats', async (req, res) => {
    const { scheduleId } = parseInput(ScheduleIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    const { status } = parseInput(SeatListQuery, req.query, 'VALIDATION.INVALID_QUERY');
    const seats = await catalogue.seatListJson(scheduleId, status);
    if (seats === undefined) throw new AppError('BOOKING.SCHEDULE_NOT_FOUND', `No schedule ${scheduleId}`);
    res.type('application/json').send(seats);
  });

  return router;
}
