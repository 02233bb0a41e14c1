/**
 * `npm run bench:booking`: seat holds per second through booking's real HTTP route and transaction,
 * beside a baseline measured in the same run on the same database: a raw `pg` pool running the same
 * lock-check-update transaction with no HTTP, no validation and no ORM. Prints both and the ratio.
 * Not a test: figures vary with the machine; compare ratios, recorded in docs/PERFORMANCE.md.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { createTestSchema, interleavedMedians, startServiceProcess } from '@ticketing/devstack/testing';
import { createPrismaClient } from '@ticketing/service-kit';
import { insertCatalogue } from '../src/data-access/catalogue.repository';
import { PrismaClient } from '../src/data-access/generated/prisma/client';
import { buildCatalogue } from '../src/domain/demo-catalogue';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEATS = 20_000;
const INTERNAL_TOKEN = 'bench-internal-token-0123456789';

/** What both sides need: the catalogue's schedule ids, where booking listens, and a way to start afresh. */
interface Target {
  scheduleIds: string[];
  url: string;
  reset: () => Promise<void>;
}

/**
 * Seat `i` of the catalogue, cycling through every schedule so that no two requests pick the same seat,
 * each by a user of its own (one user may hold only a few seats of a schedule).
 */
function seatPicker(booking: Target, hot: boolean) {
  let i = 0;
  const perSchedule = SEATS / booking.scheduleIds.length;
  return () => {
    const n = i++;
    const userId = `bench-user-${n}`;
    if (hot) return { userId, scheduleId: booking.scheduleIds[0]!, seatNo: 1 };
    return { userId, scheduleId: booking.scheduleIds[n % booking.scheduleIds.length]!, seatNo: 1 + (Math.floor(n / booking.scheduleIds.length) % perSchedule) };
  };
}


async function throughHttp(booking: Target, hot: boolean): Promise<number> {
  const next = seatPicker(booking, hot);
  const result = await autocannon({
    url: `${booking.url}/reservations`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-internal-token': INTERNAL_TOKEN },
    requests: [
      {
        setupRequest: (req) => {
          const { userId, ...seat } = next();
          return { ...req, headers: { ...req.headers, 'x-user-id': userId }, body: JSON.stringify(seat) };
        },
      },
    ],
  });
  return result.requests.average;
}

async function rawBaseline(booking: Target, databaseUrl: string, schema: string, hot: boolean): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 10, options: `-c search_path="${schema}"` });
  const next = seatPicker(booking, hot);
  let done = 0;
  const deadline = Date.now() + DURATION_S * 1000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const { userId, scheduleId, seatNo } = next();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const seat = await client.query('SELECT status, price FROM seats WHERE schedule_id = $1 AND seat_no = $2 FOR UPDATE NOWAIT', [scheduleId, seatNo]);
        if (seat.rows[0]?.status === 'AVAILABLE') {
          await client.query(`UPDATE seats SET status = 'HELD', updated_at = now() WHERE schedule_id = $1 AND seat_no = $2`, [scheduleId, seatNo]);
          await client.query(
            `INSERT INTO reservations (id, user_id, schedule_id, seat_no, price, status, expires_at) VALUES (gen_random_uuid(), $4, $1, $2, $3, 'HELD', now() + interval '5 minutes')`,
            [scheduleId, seatNo, seat.rows[0].price, userId],
          );
        }
        await client.query('COMMIT');
      } catch {
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.end();
  return done / DURATION_S;
}

async function main() {
  // Booking runs as its own process (node dist/main.js, as deployed), so the load generator does not
  // share its event loop; the baseline's pg client runs here, in the load generator's place.
  const schema = await createTestSchema(join(__dirname, '..'), 'bench');
  const prisma = createPrismaClient(PrismaClient, { databaseUrl: schema.databaseUrl, schema: schema.schema });
  const catalogue = buildCatalogue({ concerts: 2, schedulesPerConcert: 2, seatsPerSchedule: SEATS / 4 }, new Date('2027-03-01T19:00:00Z'));
  await insertCatalogue(prisma, catalogue, SEATS / 4);
  const service = await startServiceProcess(join(__dirname, '..'), {
    DATABASE_URL: schema.databaseUrl,
    DATABASE_SCHEMA: schema.schema,
    INTERNAL_TOKEN,
    JOBS_PREFIX: `bench-${randomUUID()}`,
    LOG_LEVEL: 'info',
  });
  const target: Target = {
    scheduleIds: catalogue.schedules.map((s) => s.id),
    url: service.url,
    reset: async () => {
      await prisma.$executeRaw`TRUNCATE reservations`;
      await prisma.$executeRaw`UPDATE seats SET status = 'AVAILABLE' WHERE status <> 'AVAILABLE'`;
    },
  };
  const rows: string[] = [];
  try {
    for (const hot of [false, true]) {
      const sides = { ours: () => throughHttp(target, hot), baseline: () => rawBaseline(target, schema.databaseUrl, schema.schema, hot) };
      // Interleaved rounds, each side first in turn, so that a checkpoint or a neighbour's burst on the
      // shared Postgres hits both alike; each side's median round is compared.
      const figures = await interleavedMedians(sides, ROUNDS, (holdsPerSecond) => holdsPerSecond, target.reset);
      const [ours, baseline] = [figures.get('ours')!, figures.get('baseline')!];
      rows.push(`| ${hot ? 'one hot seat' : 'distinct seats'} | ${ours.toFixed(0)} | ${baseline.toFixed(0)} | ${(ours / baseline).toFixed(2)} |`);
    }
  } finally {
    await service.stop();
    await prisma.$disconnect();
    await schema.drop();
  }
  process.stdout.write(
    `\nSeat holds per second, ${CONNECTIONS} concurrent clients, ${ROUNDS} interleaved rounds of ${DURATION_S} s per side (median round)\n\n` +
      '| workload | booking (HTTP + Prisma) | raw pg baseline | ratio |\n|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  );
}

void main();
