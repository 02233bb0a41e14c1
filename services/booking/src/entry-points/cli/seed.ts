import { parseArgs } from 'node:util';
import { createLogger, createPrismaClient } from '@ticketing/service-kit';
import { loadSeedConfig } from '../../config';
import { insertCatalogue, setOnSaleTime } from '../../data-access/catalogue.repository';
import { PrismaClient } from '../../data-access/generated/prisma/client';
import { buildCatalogue, DEMO_SIZE } from '../../domain/demo-catalogue';

/**
 * Loads a catalogue (idempotent): `seed [--concerts N] [--schedules N] [--seats N] [--opens-in S]`.
 * Without options, the small demo catalogue `npm start` shows. `--opens-in S` puts its concerts on sale
 * S seconds from now (their lines are pre-queues until then); `--opens-in 0` puts them on sale at once.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { concerts: { type: 'string' }, schedules: { type: 'string' }, seats: { type: 'string' }, 'opens-in': { type: 'string' } },
  });
  const count = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--${name} must be an integer from 1 to 100000`);
    return n;
  };
  const opensIn = values['opens-in'] === undefined ? undefined : Number(values['opens-in']);
  if (opensIn !== undefined && !(Number.isInteger(opensIn) && opensIn >= 0 && opensIn <= 31_536_000)) throw new Error('--opens-in must be a number of seconds from 0 to 31536000');
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
    const catalogue = buildCatalogue(size, firstDay);
    const inserted = await insertCatalogue(prisma, catalogue, size.seatsPerSchedule);
    logger.info({ size, inserted }, 'catalogue loaded');
    if (opensIn !== undefined) {
      const opensAt = opensIn === 0 ? null : new Date(Date.now() + opensIn * 1_000);
      await setOnSaleTime(prisma, catalogue.concerts.map((concert) => concert.id), opensAt);
      logger.info({ opensAt }, opensAt ? 'concerts go on sale at opensAt (their lines are pre-queues until then)' : 'concerts on sale now');
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
