import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConcertListResponse } from '@ticketing/contracts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { createPrismaClient } from '@ticketing/service-kit';
import { insertCatalogue, PrismaCatalogueReader } from '../src/data-access/catalogue.repository';
import { PrismaClient } from '../src/data-access/generated/prisma/client';
import { buildCatalogue, DEMO_SIZE } from '../src/domain/demo-catalogue';

describe('insertCatalogue (npm run seed)', () => {
  let schema: TestSchema;
  let prisma: PrismaClient;
  beforeAll(async () => {
    schema = await createTestSchema(join(__dirname, '..'), 'seed');
    prisma = createPrismaClient(PrismaClient, { databaseUrl: schema.databaseUrl, schema: schema.schema });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await schema.drop();
  });

  it('when the load-test shape is loaded twice, then 50,000 seats exist once and the second load changes nothing, not even a held seat', async () => {
    const size = { concerts: 100, schedulesPerConcert: 1, seatsPerSchedule: 500 };
    const catalogue = buildCatalogue(size, new Date('2027-01-15T19:00:00Z'));

    const first = await insertCatalogue(prisma, catalogue, size.seatsPerSchedule);
    await prisma.seat.update({ where: { scheduleId_seatNo: { scheduleId: catalogue.schedules[0]!.id, seatNo: 1 } }, data: { status: 'HELD' } });
    const second = await insertCatalogue(prisma, catalogue, size.seatsPerSchedule);

    expect(first).toEqual({ concerts: 100, schedules: 100, seats: 50_000 });
    expect(second).toEqual({ concerts: 0, schedules: 0, seats: 0 });
    expect(await prisma.seat.count()).toBe(50_000);
    expect(await prisma.seat.count({ where: { status: 'HELD' } })).toBe(1);
  });

  it("when a catalogue is loaded, then a hold's seat lookup takes the seat's primary key, not every available seat of the schedule through the status index", async () => {
    const own = await createTestSchema(join(__dirname, '..'), 'seed-plan');
    const fresh = createPrismaClient(PrismaClient, { databaseUrl: own.databaseUrl, schema: own.schema });
    try {
      const catalogue = buildCatalogue({ concerts: 4, schedulesPerConcert: 1, seatsPerSchedule: 500 }, new Date('2027-01-15T19:00:00Z'));
      await insertCatalogue(fresh, catalogue, 500);
      // The hold statement's seat lookup (reservation.repository.ts), as the planner sees it.
      const [explained] = await fresh.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (FORMAT JSON) SELECT se.price FROM seats se WHERE se.schedule_id = '${catalogue.schedules[0]!.id}'::uuid AND se.seat_no = 250 AND se.status = 'AVAILABLE' FOR UPDATE OF se NOWAIT`,
      );
      const indexes = [...JSON.stringify(explained?.['QUERY PLAN']).matchAll(/"Index Name":"([^"]+)"/g)].map((match) => match[1]);
      expect(indexes).toEqual(['seats_pkey']);
    } finally {
      await fresh.$disconnect();
      await own.drop();
    }
  });

  it('when the seed is run with --opens-in, then its concerts go on sale then (GET /concerts shows opensAt); --opens-in 0 puts them on sale now; a bad value changes nothing', async () => {
    const seed = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(__dirname, '../dist/entry-points/cli/seed.js'), ...args], {
        env: { ...process.env, DATABASE_URL: schema.databaseUrl, DATABASE_SCHEMA: schema.schema },
      });
    // The seed without a size loads (and times) the demo catalogue's concerts.
    const demo = new Set(buildCatalogue(DEMO_SIZE, new Date()).concerts.map((concert) => concert.id));
    const concerts = async () => ConcertListResponse.parse(JSON.parse(await new PrismaCatalogueReader(prisma).concertsJson())).filter((concert) => demo.has(concert.concertId));

    const before = Date.now();
    await seed('--opens-in', '120');
    const listed = await concerts();
    expect(listed).toHaveLength(DEMO_SIZE.concerts);
    for (const concert of listed) {
      expect(Date.parse(concert.opensAt!)).toBeGreaterThanOrEqual(before + 119_000);
      expect(Date.parse(concert.opensAt!)).toBeLessThanOrEqual(Date.now() + 121_000);
    }

    await expect(seed('--opens-in=-5')).rejects.toThrow(/--opens-in must be/);
    expect((await concerts()).map((concert) => concert.opensAt)).toEqual(listed.map((concert) => concert.opensAt));

    await seed('--opens-in', '0');
    expect((await concerts()).every((concert) => concert.opensAt === null)).toBe(true);
  }, 60_000);
});
