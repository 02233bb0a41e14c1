import type { SeatStatus } from '@ticketing/contracts';

/**
 * What the catalogue routes read: each list already serialised as the JSON answer (the adapter caches
 * it), or undefined when the concert or schedule does not exist.
 */
export interface CatalogueReader {
  concertsJson(): Promise<string>;
  schedulesJson(concertId: string): Promise<string | undefined>;
  seatListJson(scheduleId: string, status?: SeatStatus): Promise<string | undefined>;
  /** The concert a schedule belongs to, or undefined when there is no such schedule. */
  concertOfSchedule(scheduleId: string): Promise<string | undefined>;
}
