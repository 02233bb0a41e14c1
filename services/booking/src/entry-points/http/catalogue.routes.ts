import express, { type Router } from 'express';
import { ConcertIdParams, ScheduleIdParams, SeatListQuery, type ConcertSummary, type ScheduleSummary } from '@ticketing/contracts';
import { AppError, parseInput } from '@ticketing/service-kit';
import type { PrismaCatalogueReader } from '../../data-access/catalogue.repository';

/** `GET /concerts`, `GET /concerts/:concertId/schedules`, `GET /schedules/:scheduleId/seats`. */
export function catalogueRoutes(catalogue: PrismaCatalogueReader): Router {
  const router = express.Router();

  router.get('/concerts', async (_req, res) => {
    const concerts = await catalogue.listConcerts();
    res.json(concerts.map((c): ConcertSummary => ({ concertId: c.id, title: c.title, artist: c.artist, venue: c.venue })));
  });

  router.get('/concerts/:concertId/schedules', async (req, res) => {
    const { concertId } = parseInput(ConcertIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    const schedules = await catalogue.listSchedules(concertId);
    if (!schedules) throw new AppError('BOOKING.CONCERT_NOT_FOUND', `No concert ${concertId}`);
    res.json(schedules.map((s): ScheduleSummary => ({ scheduleId: s.id, startsAt: s.startsAt.toISOString(), availableSeats: s.availableSeats })));
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
