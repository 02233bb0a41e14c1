import type { PrismaClient } from './generated/prisma/client';
import { seatPrice, type buildCatalogue } from '../domain/demo-catalogue';

const SEAT_BATCH = 5_000;

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
  const rows = catalogue.schedules.flatMap((schedule) =>
    Array.from({ length: seatsPerSchedule }, (_, i) => ({ scheduleId: schedule.id, seatNo: i + 1, price: seatPrice(i + 1, seatsPerSchedule) })),
  );
  for (let start = 0; start < rows.length; start += SEAT_BATCH) {
    seats += (await prisma.seat.createMany({ data: rows.slice(start, start + SEAT_BATCH), skipDuplicates: true })).count;
  }
  return { concerts: concerts.count, schedules: schedules.count, seats };
}
