import type { Logger, Registry } from '@ticketing/service-kit';
import type { GatewayConfig } from '../../config';
import type { AdmissionResult, RedisQueueStore } from '../../data-access/queue.store';
import { startRepeatingJob } from '../../data-access/repeating-job.scheduler';
import { queueMetrics } from '../queue.metrics';

export type AdmissionConfig = Pick<
  GatewayConfig,
  'QUEUE_KEY_PREFIX' | 'QUEUE_MAX_ACTIVE' | 'QUEUE_ACTIVE_TTL_SECONDS' | 'QUEUE_ADMISSION_INTERVAL_MS' | 'QUEUE_ABANDON_AFTER_SECONDS'
>;

export interface AdmissionOptions {
  /** Redis for BullMQ's own connections (the queue's Redis: REDIS_URL). */
  redisUrl: string;
  store: Pick<RedisQueueStore, 'admit'>;
  config: AdmissionConfig;
  logger: Logger;
  metrics?: Registry;
  /** Called after every tick this instance ran (tests use it to see which instance ran which tick). */
  onTick?: (result: AdmissionResult, jobId: string) => void;
  /** How often to check that the tick scheduler still exists in Redis (re-created if lost). */
  healIntervalMs?: number;
}

export interface Admission {
  /** Stops admitting from this instance; other instances carry on. Safe to call twice. */
  close(): Promise<void>;
}

/** BullMQ queue name of the admission ticks, under `${QUEUE_KEY_PREFIX}bull`. */
export const ADMISSION_JOB = 'admission';

/**
 * Starts this instance's share of admission: every QUEUE_ADMISSION_INTERVAL_MS exactly one of the
 * running gateways takes the tick (BullMQ job scheduler) and runs one atomic admission script. Even if
 * two ticks ever overlap, the script reads and fills the free slots atomically, so over-admission is
 * impossible either way.
 */
export async function startAdmission(options: AdmissionOptions): Promise<Admission> {
  const { config, store } = options;
  const logger = options.logger.child({ component: 'admission' });
  const metrics = options.metrics ? queueMetrics(options.metrics) : undefined;

  return startRepeatingJob({
    redisUrl: options.redisUrl,
    prefix: `${config.QUEUE_KEY_PREFIX}bull`,
    name: ADMISSION_JOB,
    everyMs: config.QUEUE_ADMISSION_INTERVAL_MS,
    healIntervalMs: options.healIntervalMs,
    logger,
    run: async (jobId) => {
      const now = Date.now();
      const result = await store.admit({
        now,
        maxActive: config.QUEUE_MAX_ACTIVE,
        activeTtlMs: config.QUEUE_ACTIVE_TTL_SECONDS * 1_000,
        abandonBefore: now - config.QUEUE_ABANDON_AFTER_SECONDS * 1_000,
      });
      metrics?.admittedTotal.inc(result.admitted.length);
      metrics?.droppedTotal.inc(result.dropped);
      metrics?.admittedPerTick.observe(result.admitted.length);
      if (result.admitted.length > 0 || result.dropped > 0) {
        logger.debug({ admitted: result.admitted.length, dropped: result.dropped, waiting: result.waiting, active: result.active }, 'admission tick');
      }
      options.onTick?.(result, jobId);
    },
  });
}
