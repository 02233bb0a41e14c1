import { z } from 'zod';
import { IsoDateTime, NonNegativeInt } from '../primitives';

/**
 * `GET /events/stats` on dataplatform-sink. `lastEventAt` is null until the first event is stored.
 * Loose, like the queue stats, so the sink may report more counters without a contract change.
 */
export const SinkStatsResponse = z.looseObject({
  stored: NonNegativeInt,
  duplicatesIgnored: NonNegativeInt,
  lastEventAt: IsoDateTime.nullable(),
});
export type SinkStatsResponse = z.infer<typeof SinkStatsResponse>;
