import { text } from 'node:stream/consumers';
import { ConcertListResponse } from '@ticketing/contracts';
import { internalHeaders, type Upstream } from '@ticketing/service-kit';

/** The concerts booking knows, as the gateway needs them: may a line be opened for this id? */
export interface ConcertCatalogue {
  /** True when booking lists the concert; an unknown id re-reads the list, at most once per `minRefreshMs`. */
  has(concertId: string): Promise<boolean>;
}

/**
 * Booking's `GET /concerts` (with the internal credential, acting for nobody), kept for `maxAgeMs`. Only
 * concerts booking lists get a line, so a made-up concert id can never make the gateway open one.
 */
export function bookingConcertCatalogue(options: { booking: Upstream; internalToken: string; maxAgeMs?: number; minRefreshMs?: number }): ConcertCatalogue {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const minRefreshMs = options.minRefreshMs ?? 1_000;
  let known = new Set<string>();
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;

  const read = () =>
    (reading ??= (async () => {
      const answer = await options.booking.request({ method: 'GET', path: '/concerts', headers: internalHeaders({ token: options.internalToken }) });
      const body = await text(answer.body);
      if (answer.status !== 200) throw new Error(`booking answered ${answer.status} to GET /concerts`);
      known = new Set(ConcertListResponse.parse(JSON.parse(body)).map((concert) => concert.concertId.toLowerCase()));
      readAt = Date.now();
    })().finally(() => {
      reading = undefined;
    }));

  return {
    has: async (concertId) => {
      const id = concertId.toLowerCase();
      const age = Date.now() - readAt;
      if (age > maxAgeMs || (!known.has(id) && age > minRefreshMs)) await read();
      return known.has(id);
    },
  };
}
