import type { ConcertSummary, ScheduleSummary, Seat } from '@ticketing/contracts';
import { sqlPoolOf, type SqlPool } from '@ticketing/service-kit';
import type { PrismaClient } from './generated/prisma/client';
import { CatalogueCache } from './catalogue.cache';
import { seatPrice, type buildCatalogue } from '../domain/demo-catalogue';
import type { CatalogueReader } from '../domain/catalogue';

const SCHEDULES_PER_BATCH = 50;

/**
 * Inserts a catalogue with bulk inserts that skip rows already present, so loading it again changes
 * nothing (and never touches the status of seats that are held or sold).
 */
export async function insertCatalogue(
  prisma: PrismaClient,
  catalogue: ReturnType<typeof buildCatalogue>,
  seatsPerSchedule: number,
): Promise<{ concerts: number; schedules: number; seats: number }> {
  const concerts = await prisma.concert.createMany({ data: catalogue.concerts, skipDuplicates: true });
  const schedules = await prisma.schedule.createMany({ data: catalogue.schedules, skipDuplicates: true });
  let seats = 0;
  for (let start = 0; start < catalogue.schedules.length; start += SCHEDULES_PER_BATCH) {
    const batch = catalogue.schedules.slice(start, start + SCHEDULES_PER_BATCH);
    const scheduleIds = batch.flatMap((schedule) => Array<string>(seatsPerSchedule).fill(schedule.id));
    const seatNos = batch.flatMap(() => Array.from({ length: seatsPerSchedule }, (_, i) => i + 1));
    const prices = seatNos.map((seatNo) => seatPrice(seatNo, seatsPerSchedule));
    // Three array parameters however many rows: one round trip and no per-row query building.
    seats += await prisma.$executeRaw`
      INSERT INTO seats (schedule_id, seat_no, price)
      SELECT * FROM unnest(${scheduleIds}::uuid[], ${seatNos}::int[], ${prices}::int[])
      ON CONFLICT DO NOTHING`;
  }
  // Statistics at once, not whenever autovacuum gets to it: without them the planner took a seat hold's
  // lookup by (schedule, seat number) through the (schedule, status) index and filtered every available
  // seat of the schedule, instead of the one primary-key row (measured in docs/PERFORMANCE.md).
  await prisma.$executeRaw`ANALYZE concerts, schedules, seats`;
  return { concerts: concerts.count, schedules: schedules.count, seats };
}

/** Puts the given concerts on sale at `opensAt` (null: on sale now, no pre-queue). */
export async function setOnSaleTime(prisma: PrismaClient, concertIds: string[], opensAt: Date | null): Promise<number> {
  return (await prisma.concert.updateMany({ where: { id: { in: concertIds } }, data: { opensAt } })).count;
}

/** Read side of the catalogue. Each list is one query (counts by GROUP BY, never one query per row). */
export class PrismaCatalogueReader implements CatalogueReader {
  private readonly sql: SqlPool;
  /** A schedule never moves to another concert: each one is asked once per process. */
  private readonly concertBySchedule = new Map<string, string>();

  /** `cache`: where serialised answers are kept for a moment (see CatalogueCache). */
  constructor(
    prisma: PrismaClient,
    private readonly cache: CatalogueCache = new CatalogueCache(0),
  ) {
    this.sql = sqlPoolOf(prisma);
  }

  async concertOfSchedule(scheduleId: string): Promise<string | undefined> {
    const known = this.concertBySchedule.get(scheduleId);
    if (known !== undefined) return known;
    const { rows } = await this.sql.query<{ concertId: string }>({
      name: 'concert-of-schedule',
      text: `SELECT concert_id AS "concertId" FROM schedules WHERE id = $1::uuid`,
      values: [scheduleId],
    });
    const concertId = rows[0]?.concertId;
    if (concertId !== undefined) this.concertBySchedule.set(scheduleId, concertId);
    return concertId;
  }

  /** The concert list as the API's JSON (one statement, cached while fresh). */
  async concertsJson(): Promise<string> {
    const json = await this.cache.getOrLoad('concerts', undefined, async () => {
      const { rows } = await this.sql.query<Omit<ConcertSummary, 'opensAt'> & { opensAt: Date | null }>({
        name: 'concert-list',
        text: `SELECT id AS "concertId", title, artist, venue, opens_at AS "opensAt" FROM concerts ORDER BY created_at, id`,
      });
      return JSON.stringify(rows.map((row): ConcertSummary => ({ ...row, opensAt: row.opensAt?.toISOString() ?? null })));
    });
    return json ?? '[]';
  }

  /**
   * A concert's schedules with their available-seat counts as the API's JSON; undefined when the concert
   * does not exist (the LEFT JOIN keeps a row for a concert without schedules). Counts may lag by the TTL.
   */
  schedulesJson(concertId: string): Promise<string | undefined> {
    return this.cache.getOrLoad(`concert/${concertId}`, undefined, async () => {
      const { rows } = await this.sql.query<{ scheduleId: string | null; startsAt: Date; availableSeats: number }>({
        name: 'schedule-list',
        text: `SELECT sc.id AS "scheduleId", sc.starts_at AS "startsAt",
                      (count(se.seat_no) FILTER (WHERE se.status = 'AVAILABLE'))::int AS "availableSeats"
                 FROM concerts c LEFT JOIN schedules sc ON sc.concert_id = c.id LEFT JOIN seats se ON se.schedule_id = sc.id
                WHERE c.id = $1::uuid
                GROUP BY sc.id, sc.starts_at
                ORDER BY sc.starts_at, sc.id`,
        values: [concertId],
      });
      if (rows.length === 0) return undefined;
      if (rows[0]!.scheduleId === null) return '[]';
      return JSON.stringify(rows.map((r): ScheduleSummary => ({ scheduleId: r.scheduleId!, startsAt: r.startsAt.toISOString(), availableSeats: r.availableSeats })));
    });
  }

  /**
   * The seats of a schedule in seat order, optionally of one status, as the JSON of the API's seat list;
   * undefined when the schedule does not exist. One statement (the LEFT JOIN keeps a row for a schedule
   * without matching seats), served from the cache while it is fresh.
   */
  seatListJson(scheduleId: string, status?: 'AVAILABLE' | 'HELD' | 'RESERVED'): Promise<string | undefined> {
    return this.cache.getOrLoad(scheduleId, status, async () => {
      const { rows } = await this.sql.query<Seat | { seatNo: null }>({
        name: 'seat-list',
        text: `SELECT se.seat_no AS "seatNo", se.price, se.status
                 FROM schedules sc LEFT JOIN seats se ON se.schedule_id = sc.id AND ($2::text IS NULL OR se.status::text = $2)
                WHERE sc.id = $1::uuid
                ORDER BY se.seat_no`,
        values: [scheduleId, status ?? null],
      });
      if (rows.length === 0) return undefined;
      return JSON.stringify(rows[0]!.seatNo === null ? [] : rows);
    });
  }
}
