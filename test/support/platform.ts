import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestSchema, startServiceProcess, type ServiceProcess, type TestSchema } from '@ticketing/devstack/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@ticketing/contracts';
import { createPrismaClient } from '@ticketing/service-kit';
import { insertCatalogue } from '../../services/booking/src/data-access/catalogue.repository';
import { PrismaClient as BookingClient } from '../../services/booking/src/data-access/generated/prisma/client';
import { buildCatalogue } from '../../services/booking/src/domain/demo-catalogue';

const services = join(__dirname, '../../services');

export interface Platform {
  gatewayUrl: string;
  schemas: Record<'booking' | 'payment' | 'gateway' | 'sink', TestSchema>;
  queuePrefix: string;
  stop: () => Promise<void>;
}

/**
 * The whole platform as it is deployed, each service its own `node dist/main.js` process, on
 * throwaway schemas, a queue prefix, BullMQ prefix and consumer groups of its own, against the real
 * Postgres, Redis and Kafka `npm test` runs. Nothing is shared with other tests or with `npm start`.
 */
export async function startPlatform(options: { seatsPerSchedule: number; maxActive: number }): Promise<Platform> {
  const run = randomUUID().slice(0, 8);
  const [booking, payment, gateway, sink] = await Promise.all([
    createTestSchema(join(services, 'booking'), 'e2e_booking'),
    createTestSchema(join(services, 'payment'), 'e2e_payment'),
    createTestSchema(join(services, 'queue-gateway'), 'e2e_gateway'),
    createTestSchema(join(services, 'dataplatform-sink'), 'e2e_sink'),
  ]);
  const prisma = createPrismaClient(BookingClient, { databaseUrl: booking.databaseUrl, schema: booking.schema });
  await insertCatalogue(prisma, buildCatalogue({ concerts: 2, schedulesPerConcert: 1, seatsPerSchedule: options.seatsPerSchedule }, new Date('2027-05-01T19:00:00Z')), options.seatsPerSchedule);
  await prisma.$disconnect();

  const common = { INTERNAL_TOKEN: `e2e-internal-token-${run}`, LOG_LEVEL: 'info' };
  const processes: ServiceProcess[] = [];
  const start = async (dir: string, env: NodeJS.ProcessEnv) => {
    const started = await startServiceProcess(join(services, dir), { ...common, ...env });
    processes.push(started);
    return started;
  };
  const queuePrefix = `e2e:${run}:`;
  try {
    const bookingProcess = await start('booking', { DATABASE_SCHEMA: booking.schema, JOBS_PREFIX: `e2e-${run}` });
    const paymentProcess = await start('payment', { DATABASE_SCHEMA: payment.schema, BOOKING_URL: bookingProcess.url, OUTBOX_POLL_INTERVAL_MS: '100' });
    const sinkGroup = `e2e-sink-${run}`;
    await startGroupAtEnd(sinkGroup);
    await start('dataplatform-sink', { DATABASE_SCHEMA: sink.schema, KAFKA_GROUP_ID: sinkGroup });
    const gatewayProcess = await start('queue-gateway', {
      DATABASE_SCHEMA: gateway.schema,
      BOOKING_URL: bookingProcess.url,
      PAYMENT_URL: paymentProcess.url,
      QUEUE_KEY_PREFIX: queuePrefix,
      QUEUE_MAX_ACTIVE: String(options.maxActive),
      QUEUE_ADMISSION_INTERVAL_MS: '200',
      KAFKA_GROUP_ID: `e2e-gateway-${run}`,
    });
    return {
      gatewayUrl: gatewayProcess.url,
      schemas: { booking, payment, gateway, sink },
      queuePrefix,
      stop: async () => {
        await Promise.all(processes.map((p) => p.stop('SIGTERM')));
        await Promise.all([booking, payment, gateway, sink].map((schema) => schema.drop()));
      },
    };
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    throw error;
  }
}

/**
 * The sink reads a new group's topic from the beginning (it must store every event ever published); on
 * the shared test broker that history holds other runs' events, so this run's group starts at the end.
 */
async function startGroupAtEnd(groupId: string): Promise<void> {
  const admin = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // Explicit offsets: resetOffsets commits -1, which a consumer reads as "no offset" (from the beginning).
    const ends = await admin.fetchTopicOffsets(Topics.PaymentCompleted);
    await admin.setOffsets({ groupId, topic: Topics.PaymentCompleted, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  } finally {
    await admin.disconnect();
  }
}
