import { parseArgs } from 'node:util';
import { createLogger, createPrismaClient } from '@ticketing/service-kit';
import { loadSeedConfig } from '../../config';
import { insertCatalogue } from '../../data-access/catalogue.repository';
import { PrismaClient } from '../../data-access/generated/prisma/client';
import { buildCatalogue, DEMO_SIZE } from '../../domain/demo-catalogue';

/**
 * Loads a catalogue (idempotent): `seed [--concerts N] [--schedules N] [--seats N]`.
 * Without options, the small demo catalogue `npm start` shows.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { concerts: { type: 'string' }, schedules: { type: 'string' }, seats: { type: 'string' } },
  });
  const count = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--${name} must be an integer from 1 to 100000`);
    return n;
  };
  const size = {
    concerts: count(values.concerts, DEMO_SIZE.concerts, 'concerts'),
    schedulesPerConcert: count(values.schedules, DEMO_SIZE.schedulesPerConcert, 'schedules'),
    seatsPerSchedule: count(values.seats, DEMO_SIZE.seatsPerSchedule, 'seats'),
  };
  const config = loadSeedConfig();
  const logger = createLogger({ service: 'booking-seed', level: config.LOG_LEVEL });
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
  try {
    // A fixed first date keeps every reload identical to the first one (same ids, same rows).
    const firstDay = new Date(Date.UTC(2027, 0, 15, 19));
    const inserted = await insertCatalogue(prisma, buildCatalogue(size, firstDay), size.seatsPerSchedule);
    logger.info({ size, inserted }, 'catalogue loaded');
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
