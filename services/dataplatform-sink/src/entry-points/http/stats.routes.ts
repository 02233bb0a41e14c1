import express, { type Router } from 'express';
import type { SinkStatsResponse } from '@ticketing/contracts';
import type { SinkStatsReader } from '../../domain/stored-event';

/** `GET /events/stats`: what the sink holds, read from its table (so it is right across restarts and instances). */
export function statsRoutes(reader: SinkStatsReader): Router {
  const router = express.Router();
  router.get('/events/stats', async (_req, res) => {
    const { stored, duplicatesIgnored, lastEventAt } = await reader.stats();
    const body: SinkStatsResponse = { stored, duplicatesIgnored, lastEventAt: lastEventAt?.toISOString() ?? null };
    res.json(body);
  });
  return router;
}
