import { Queue, Worker } from 'bullmq';
import { closeRedis, createRedisClient, createWorkerRedisClient, type Logger, type RedisTarget } from '@ticketing/service-kit';

export interface RepeatingJobOptions {
  /** The Redis (or Redis Cluster) BullMQ keeps the job in; on a cluster `prefix` must carry a hash tag. */
  redis: RedisTarget;
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
 * Starting never waits for Redis: a gateway started during an outage must listen and serve the fallback.
 * The scheduler is upserted as soon as Redis answers, and checked now and then afterwards, since it
 * lives only in Redis (a Redis that comes back empty would otherwise stop the ticks for good). The queue's
 * client fails fast while Redis is away, so nothing piles up in memory meanwhile.
 */
export function startRepeatingJob(options: RepeatingJobOptions): RepeatingJob {
  const log = options.logger.child({ component: `job:${options.name}` });
  const queueConnection = createRedisClient(options.redis, log);
  const workerConnection = createWorkerRedisClient(options.redis, log);

  const queue = new Queue(options.name, { connection: queueConnection, prefix: options.prefix });
  const worker = new Worker(options.name, async (job) => options.run(job.id ?? ''), {
    connection: workerConnection,
    prefix: options.prefix,
    concurrency: 1,
  });
  worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id }, 'tick failed'));
  worker.on('error', (error) => log.debug({ err: error }, 'worker error'));
  queue.on('error', (error) => log.debug({ err: error }, 'queue error'));

  let scheduled = false;
  const ensureScheduler = () =>
    void (async () => {
      if (queueConnection.status !== 'ready' || (await queue.getJobScheduler(options.name))) return;
      await queue.upsertJobScheduler(options.name, { every: options.everyMs }, {
        name: options.name,
        // A tick's record is worthless once run; keep a few failures for inspection, nothing else.
        opts: { removeOnComplete: true, removeOnFail: 20 },
      });
      if (scheduled) log.warn('the job scheduler was missing from Redis (data lost?): re-created it');
      scheduled = true;
    })().catch((error: unknown) => log.debug({ err: error }, 'job scheduler check failed; retrying'));
  queueConnection.on('ready', ensureScheduler);
  const heal = setInterval(ensureScheduler, options.healIntervalMs ?? 5_000);
  heal.unref();

  let closing: Promise<void> | undefined;
  return {
    close: () => {
      clearInterval(heal);
      closing ??= (async () => {
        // Forced: a tick is one atomic script, and waiting for it (or for QUIT) would hang while Redis is away.
        await worker.close(true);
        await queue.close();
        await Promise.all([queueConnection, workerConnection].map(closeRedis));
      })();
      return closing;
    },
  };
}
