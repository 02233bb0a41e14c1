import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '@ticketing/service-kit';

export interface RepeatingJobOptions {
  redisUrl: string;
  /** BullMQ key prefix; keep it under the service's own prefix so tests and deployments never collide. */
  prefix: string;
  /** BullMQ queue name (one per kind of job). */
  name: string;
  everyMs: number;
  logger: Logger;
  /** The work of one tick; its result is only logged on failure. */
  run: (jobId: string) => Promise<void>;
  /** How often this instance checks that the scheduler still exists in Redis (default 5 s). */
  healIntervalMs?: number;
}

export interface RepeatingJob {
  /** Stops taking ticks, waits for the running one, closes the connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Runs `run` every `everyMs`, once per tick across every process that starts the same job: BullMQ's job
 * scheduler keeps exactly one pending job per tick in Redis (upserting it is idempotent, so every
 * instance may do so at start-up), and whichever instance's worker takes that job runs it.
 * Concurrency 1 keeps one instance from overlapping its own ticks.
 *
 * The scheduler lives only in Redis: a Redis that comes back empty (restarted without its AOF, flushed)
 * would stop the ticks for good. So every instance checks now and then that it still exists and
 * re-creates it when it is gone.
 */
export async function startRepeatingJob(options: RepeatingJobOptions): Promise<RepeatingJob> {
  // BullMQ blocks on its connections and must retry forever across Redis outages, hence its own clients
  // with maxRetriesPerRequest: null (the service's shared client fails fast on purpose).
  const connectionOptions = { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const queueConnection = new Redis(options.redisUrl, connectionOptions);
  const workerConnection = new Redis(options.redisUrl, connectionOptions);
  const log = options.logger.child({ component: `job:${options.name}` });
  for (const connection of [queueConnection, workerConnection]) {
    connection.on('error', (error) => log.debug({ err: error }, 'job connection error'));
  }

  const queue = new Queue(options.name, { connection: queueConnection, prefix: options.prefix });
  const worker = new Worker(options.name, async (job) => options.run(job.id ?? ''), {
    connection: workerConnection,
    prefix: options.prefix,
    concurrency: 1,
  });
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id }, 'tick failed'));
  worker.on('error', (error) => log.warn({ err: error }, 'worker error'));

  const upsert = () =>
    queue.upsertJobScheduler(options.name, { every: options.everyMs }, {
      name: options.name,
      // A tick's record is worthless once run; keep a few failures for inspection, nothing else.
      opts: { removeOnComplete: true, removeOnFail: 20 },
    });
  const heal = setInterval(() => {
    void (async () => {
      if (await queue.getJobScheduler(options.name)) return;
      await upsert();
      log.warn('the job scheduler was missing from Redis (data lost?): re-created it');
    })().catch((error: unknown) => log.debug({ err: error }, 'job scheduler check failed'));
  }, options.healIntervalMs ?? 5_000);
  heal.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    clearInterval(heal);
    closing ??= (async () => {
      await worker.close();
      await queue.close();
      await Promise.all([queueConnection, workerConnection].map((c) => c.quit().catch(() => c.disconnect())));
    })();
    return closing;
  };

  try {
    await upsert();
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
