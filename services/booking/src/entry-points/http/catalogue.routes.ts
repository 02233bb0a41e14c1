import { ConcertIdParams, ScheduleIdParams, SeatListQuery } from '@ticketing/contracts';
import { AppError, parseInput, requireLineOf, type InternalApiRoute, type InternalCaller } from '@ticketing/service-kit';
import type { CatalogueReader } from '../../domain/catalogue';

/**
 * A caller admitted through a concert's line may only reach that concert's schedules and seats
 * (`403 QUEUE.WRONG_QUEUE`); an unknown schedule is left to the route's own 404.
 */
export async function requireLineOfSchedule(catalogue: Pick<CatalogueReader, 'concertOfSchedule'>, caller: InternalCaller, scheduleId: string): Promise<void> {
  if (caller.concertId === undefined) return;
  const concertId = await catalogue.concertOfSchedule(scheduleId);
  if (concertId !== undefined) requireLineOf(caller, concertId);
}

/** `GET /concerts`, `GET /concerts/:concertId/schedules`, `GET /schedules/:scheduleId/seats`: JSON straight from the reader. */
export function catalogueRoutes(catalogue: CatalogueReader): InternalApiRoute[] {
  const concerts = async () => ({ status: 200, json: await catalogue.concertsJson() });
  const schedules: InternalApiRoute['handle'] = async (req, caller) => {
    const { concertId } = parseInput(ConcertIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    requireLineOf(caller, concertId);
    const json = await catalogue.schedulesJson(concertId);
    if (json === undefined) throw new AppError('BOOKING.CONCERT_NOT_FOUND', `No concert ${concertId}`);
    return { status: 200, json };
  };
  const seats: InternalApiRoute['handle'] = async (req, caller) => {
    const { scheduleId } = parseInput(ScheduleIdParams, req.params, 'VALIDATION.INVALID_PARAMS');
    const { status } = parseInput(SeatListQuery, req.query, 'VALIDATION.INVALID_QUERY');
    await requireLineOfSchedule(catalogue, caller, scheduleId);
    const json = await catalogue.seatListJson(scheduleId, status);
    if (json === undefined) throw new AppError('BOOKING.SCHEDULE_NOT_FOUND', `No schedule ${scheduleId}`);
    return { status: 200, json };
  };
  return [
    { method: 'GET', path: '/concerts', handle: concerts },
    { method: 'GET', path: '/concerts/:concertId/schedules', handle: schedules },
    { method: 'GET', path: '/schedules/:scheduleId/seats', handle: seats },
  ];
}
