import { text } from 'node:stream/consumers';
import { ConcertListResponse } from '@ticketing/contracts';
import { internalHeaders, type Upstream } from '@ticketing/service-kit';

/** What the gateway needs of a concert booking lists. */
export interface CatalogueEntry {
  /** The on-sale time (epoch ms), if the concert has one: before it, its line is a pre-queue. */
  opensAt?: number;
}

/** The concerts booking knows, as the gateway needs them: may a line be opened for this id, and when does it open? */
export interface ConcertCatalogue {
  /**
   * The concert when booking lists it. A known concert answers from memory (a list older than `maxAgeMs`
   * is re-read behind the answer, and kept while booking does not answer); an unknown id waits for a
   * re-read, at most once per `minRefreshMs`.
   */
  find(concertId: string): Promise<CatalogueEntry | undefined>;
}

/**
 * Booking's `GET /concerts` (with the internal credential, acting for nobody), kept for `maxAgeMs`. Only
 * concerts booking lists get a line, so a made-up concert id can never make the gateway open one. Joining
 * an open line asks it for the on-sale time, so that answer never waits for, or fails with, booking.
 */
export function bookingConcertCatalogue(options: { booking: Upstream; internalToken: string; maxAgeMs?: number; minRefreshMs?: number }): ConcertCatalogue {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const minRefreshMs = options.minRefreshMs ?? 1_000;
  let known = new Map<string, CatalogueEntry>();
  let readAt = -Infinity;
  let triedAt = -Infinity;
  let reading: Promise<void> | undefined;

  const read = () =>
    (reading ??= (async () => {
      triedAt = Date.now();
      const answer = await options.booking.request({ method: 'GET', path: '/concerts', headers: internalHeaders({ token: options.internalToken }) });
      const body = await text(answer.body);
      if (answer.status !== 200) throw new Error(`booking answered ${answer.status} to GET /concerts`);
      known = new Map(
        ConcertListResponse.parse(JSON.parse(body)).map((concert) => [concert.concertId.toLowerCase(), concert.opensAt ? { opensAt: Date.parse(concert.opensAt) } : {}]),
      );
      readAt = Date.now();
    })().finally(() => {
      reading = undefined;
    }));

  return {
    find: async (concertId) => {
      const id = concertId.toLowerCase();
      const now = Date.now();
      const entry = known.get(id);
      if (entry) {
        if (now - readAt > maxAgeMs && now - triedAt > minRefreshMs) read().catch(() => undefined);
        return entry;
      }
      if (now - readAt > minRefreshMs) await read();
      return known.get(id);
    },
  };
}
