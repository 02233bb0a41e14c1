import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { join } from 'node:path';
import { createTestSchema, freePort, startServiceProcess, waitUntilReady, type ServiceProcess, type TestSchema } from '@ticketing/devstack/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { TopicPartitions } from '@ticketing/contracts';
import { ensureTopics, readLivePid, startKafkaBroker, stopProcess } from '@ticketing/devstack';
import { DEV_CREDENTIALS } from '@ticketing/service-kit';
import { seedCatalogue } from '@ticketing/booking/testing';

const services = join(__dirname, '../../services');

export interface Platform {
  gatewayUrl: string;
  schemas: Record<'booking' | 'payment' | 'gateway' | 'sink', TestSchema>;
  queuePrefix: string;
  stop: () => Promise<void>;
  /** The Redis the gateway and booking use (options.redisUrl, else REDIS_URL). */
  redisUrl: string;
  /** Each service's current process (replaced by `restart`/`start`). */
  processes: Record<PlatformService, ServiceProcess>;
  /** Stops a service with `signal` (SIGKILL = a crash) and leaves it down. */
  kill: (service: PlatformService, signal?: NodeJS.Signals) => Promise<void>;
  /** Starts a stopped service again with the same environment and port (so its callers reach it unchanged). */
  start: (service: PlatformService) => Promise<ServiceProcess>;
  /** `kill` then `start`. */
  restart: (service: PlatformService, signal?: NodeJS.Signals) => Promise<ServiceProcess>;
  /**
   * One more process of a service with the same settings on a port of its own: a second sink or gateway
   * (the same consumer group, Redis prefix and schema), stopped with the platform.
   */
  startReplica: (service: PlatformService) => Promise<ServiceProcess>;
  /** The platform's own Kafka broker: stop it (SIGTERM, or SIGKILL for a crash) and start it again on the same ports and data. */
  kafka: { brokers: string; stop: (signal?: NodeJS.Signals) => Promise<void>; start: () => Promise<void> };
}

export type PlatformService = 'booking' | 'payment' | 'sink' | 'gateway';

export interface PlatformOptions {
  seatsPerSchedule: number;
  /** Concerts in the catalogue, one schedule each (default 2). */
  concerts?: number;
  maxActive: number;
  /** Redis for the gateway and booking; default REDIS_URL (the test run's Redis). Fault tests pass one they own. */
  redisUrl?: string;
  /** Extra environment per service, on top of the platform's (e.g. shorter recovery thresholds). */
  env?: Partial<Record<PlatformService, NodeJS.ProcessEnv>>;
}

/**
 * The whole platform as it is deployed, each service its own `node dist/main.js` process, on
 * throwaway schemas, a queue prefix and BullMQ prefix of its own, and a Kafka broker of its own (other
 * tests publish to payment.completed on the shared one, and the sink would store their events too).
 * Nothing is shared with other tests or with `npm start`.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const release = await takePlatformSlot();
  try {
    const platform = await launchPlatform(options);
    return {
      ...platform,
      stop: async () => {
        try {
          await platform.stop();
        } finally {
          await release();
        }
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * The time limit of a platform test's set-up (its beforeAll): its own start and run, plus the wait for
 * the platform slot while another file's platform runs (at most one other: Jest runs two workers).
 */
export const PLATFORM_SETUP_TIMEOUT_MS = 900_000;

/** The platform runs in AUTH_MODE=dev: the gateway's /metrics answers to the development operator credential. */
export const AS_OPERATOR = { authorization: `Bearer ${DEV_CREDENTIALS.OPS_TOKEN}` };

/** Any number: the advisory lock key of "a whole platform is running in this test database". */
const PLATFORM_SLOT_LOCK = 7_350_001;

/**
 * One whole platform at a time per test database. Each is four service processes and a Kafka broker;
 * two at once on a 2-core machine starve each other into timeouts that say nothing about the code. The
 * slot is a Postgres advisory lock held by a connection of its own, so it frees itself if the test
 * process dies. Jest's other worker goes on with lighter test files meanwhile.
 */
async function takePlatformSlot(): Promise<() => Promise<void>> {
  const client = new Client({
    connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test',
    application_name: 'platform-test-slot',
  });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [PLATFORM_SLOT_LOCK]);
  return async () => {
    await client.query('SELECT pg_advisory_unlock($1)', [PLATFORM_SLOT_LOCK]).catch(() => undefined);
    await client.end().catch(() => undefined);
  };
}

async function launchPlatform(options: PlatformOptions): Promise<Platform> {
  const run = randomUUID().slice(0, 8);
  const [booking, payment, gateway, sink] = await Promise.all([
    createTestSchema(join(services, 'booking'), 'e2e_booking'),
    createTestSchema(join(services, 'payment'), 'e2e_payment'),
    createTestSchema(join(services, 'queue-gateway'), 'e2e_gateway'),
    createTestSchema(join(services, 'dataplatform-sink'), 'e2e_sink'),
  ]);
  await seedCatalogue(booking, { concerts: options.concerts ?? 2, schedulesPerConcert: 1, seatsPerSchedule: options.seatsPerSchedule, startsAt: new Date('2027-05-01T19:00:00Z') });

  const kafkaDir = mkdtempSync(join(tmpdir(), 'e2e-kafka-'));
  const broker = { port: await freePort(), controllerPort: await freePort(), dataDir: kafkaDir, logFile: join(kafkaDir, 'broker.log'), pidFile: join(kafkaDir, 'broker.pid') };
  const { brokers } = await startKafkaBroker(broker);
  await ensureTopics(brokers, Object.entries(TopicPartitions).map(([topic, numPartitions]) => ({ topic, numPartitions })));
  const haltKafka = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const pid = readLivePid(broker.pidFile);
    if (pid === undefined) return;
    if (signal !== 'SIGTERM') process.kill(pid, signal);
    await stopProcess(pid, broker.pidFile);
  };
  const stopKafka = async () => {
    await haltKafka();
    rmSync(kafkaDir, { recursive: true, force: true });
  };

  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';
  const common = { INTERNAL_TOKEN: `e2e-internal-token-${run}`, LOG_LEVEL: 'info', KAFKA_BROKERS: brokers };
  const running: Partial<Record<PlatformService, ServiceProcess>> = {};
  const envs: Partial<Record<PlatformService, NodeJS.ProcessEnv>> = {};
  const dirs: Record<PlatformService, string> = { booking: 'booking', payment: 'payment', sink: 'dataplatform-sink', gateway: 'queue-gateway' };
  const start = async (service: PlatformService) => {
    const started = await startServiceProcess(join(services, dirs[service]), envs[service]!);
    running[service] = started;
    return started;
  };
  // Each service gets a fixed port and its schema as its Postgres application_name, so a test can
  // restart one where its callers expect it and find its connections in pg_stat_activity.
  const configure = async (service: PlatformService, schema: TestSchema, env: NodeJS.ProcessEnv) => {
    const databaseUrl = new URL(schema.databaseUrl);
    databaseUrl.searchParams.set('application_name', schema.schema);
    envs[service] = { ...common, PORT: String(await freePort()), DATABASE_URL: databaseUrl.toString(), DATABASE_SCHEMA: schema.schema, ...env, ...options.env?.[service] };
    return start(service);
  };
  const replicas: ServiceProcess[] = [];
  const kill = async (service: PlatformService, signal: NodeJS.Signals = 'SIGKILL') => {
    await running[service]?.stop(signal);
  };
  const queuePrefix = `e2e:${run}:`;
  try {
    const bookingProcess = await configure('booking', booking, { REDIS_URL: redisUrl, JOBS_PREFIX: `e2e-${run}` });
    const paymentProcess = await configure('payment', payment, { BOOKING_URL: bookingProcess.url, OUTBOX_POLL_INTERVAL_MS: '100' });
    const sinkProcess = await configure('sink', sink, { KAFKA_GROUP_ID: `e2e-sink-${run}` });
    const gatewayProcess = await configure('gateway', gateway, {
      REDIS_URL: redisUrl,
      BOOKING_URL: bookingProcess.url,
      PAYMENT_URL: paymentProcess.url,
      SINK_URL: sinkProcess.url,
      QUEUE_KEY_PREFIX: queuePrefix,
      // The adaptive limit starts at maxActive and may only move below it, so maxActive stays the
      // ceiling the audit and the fault tests hold the platform to.
      QUEUE_MAX_ACTIVE: String(options.maxActive),
      QUEUE_LIMIT_MAX: String(options.maxActive),
      QUEUE_LIMIT_MIN: String(Math.min(10, options.maxActive)),
      QUEUE_ADMISSION_INTERVAL_MS: '200',
      KAFKA_GROUP_ID: `e2e-gateway-${run}`,
    });
    // The gateway listens before its Redis client is ready (during an outage it serves from the Postgres
    // copy), and a join in between is a correct 503. Every platform starts on healthy infrastructure, so
    // its tests begin once the gateway says it is ready.
    await waitUntilReady(gatewayProcess.url);
    return {
      gatewayUrl: gatewayProcess.url,
      schemas: { booking, payment, gateway, sink },
      queuePrefix,
      redisUrl,
      processes: running as Record<PlatformService, ServiceProcess>,
      kill,
      start,
      restart: async (service, signal = 'SIGKILL') => {
        await kill(service, signal);
        return start(service);
      },
      startReplica: async (service) => {
        const replica = await startServiceProcess(join(services, dirs[service]), { ...envs[service], PORT: String(await freePort()) });
        replicas.push(replica);
        return replica;
      },
      kafka: { brokers, stop: haltKafka, start: async () => void (await startKafkaBroker(broker)) },
      stop: async () => {
        await Promise.all([...Object.values(running), ...replicas].map((p) => p.stop('SIGTERM')));
        await stopKafka();
        await Promise.all([booking, payment, gateway, sink].map((schema) => schema.drop()));
      },
    };
  } catch (error) {
    await Promise.all([...Object.values(running), ...replicas].map((p) => p.stop('SIGKILL')));
    await stopKafka();
    throw error;
  }
}

/** One row of figures (a count, a sum) from any of the platform's schemas (the query names them). */
export async function queryOne(platform: Platform, sql: string): Promise<Record<string, string>> {
  const db = new Client({ connectionString: platform.schemas.booking.databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql)).rows[0] as Record<string, string>;
  } finally {
    await db.end();
  }
}

/**
 * A concert booking lists from now on, going on sale `opensInSeconds` from now (the column the seed's
 * `--opens-in` sets): its id and on-sale time.
 */
export async function concertOnSaleIn(platform: Platform, title: string, opensInSeconds: number): Promise<{ concertId: string; opensAt: number }> {
  const row = await queryOne(
    platform,
    `INSERT INTO "${platform.schemas.booking.schema}".concerts (id, title, artist, venue, opens_at)
     VALUES (gen_random_uuid(), '${title.replace(/'/g, "''")}', 'Static Bloom', 'Grand Dome', now() + make_interval(secs => ${Number(opensInSeconds)}))
     RETURNING id, (extract(epoch FROM opens_at) * 1000)::bigint::text AS "opensAt"`,
  );
  return { concertId: row.id!, opensAt: Number(row.opensAt) };
}
