import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestSchema, freePort, startServiceProcess, type ServiceProcess, type TestSchema } from '@ticketing/devstack/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { TopicPartitions } from '@ticketing/contracts';
import { ensureTopics, readLivePid, startKafkaBroker, stopProcess } from '@ticketing/devstack';
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
 * throwaway schemas, a queue prefix and BullMQ prefix of its own, and a Kafka broker of its own (other
 * tests publish to payment.completed on the shared one, and the sink would store their events too).
 * Nothing is shared with other tests or with `npm start`.
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

  const kafkaDir = mkdtempSync(join(tmpdir(), 'e2e-kafka-'));
  const broker = { port: await freePort(), controllerPort: await freePort(), dataDir: kafkaDir, logFile: join(kafkaDir, 'broker.log'), pidFile: join(kafkaDir, 'broker.pid') };
  const { brokers } = await startKafkaBroker(broker);
  await ensureTopics(brokers, Object.entries(TopicPartitions).map(([topic, numPartitions]) => ({ topic, numPartitions })));
  const stopKafka = async () => {
    const pid = readLivePid(broker.pidFile);
    if (pid !== undefined) await stopProcess(pid, broker.pidFile);
    rmSync(kafkaDir, { recursive: true, force: true });
  };

  const common = { INTERNAL_TOKEN: `e2e-internal-token-${run}`, LOG_LEVEL: 'info', KAFKA_BROKERS: brokers };
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
    await start('dataplatform-sink', { DATABASE_SCHEMA: sink.schema, KAFKA_GROUP_ID: `e2e-sink-${run}` });
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
        await stopKafka();
        await Promise.all([booking, payment, gateway, sink].map((schema) => schema.drop()));
      },
    };
  } catch (error) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await stopKafka();
    throw error;
  }
}

