import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { createPrismaClient } from '@ticketing/service-kit';
import { insertCatalogue } from '../src/data-access/catalogue.repository';
import { PrismaClient } from '../src/data-access/generated/prisma/client';
import { buildCatalogue } from '../src/domain/demo-catalogue';

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
});
