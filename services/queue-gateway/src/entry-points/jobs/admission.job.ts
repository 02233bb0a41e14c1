import type { Logger, RedisTarget, Registry } from '@ticketing/service-kit';
import type { GatewayConfig } from '../../config';
import type { AdmissionResult, RedisQueueStore } from '../../data-access/redis-queue/queue.store';
import { startRepeatingJob } from '../../data-access/repeating-job.scheduler';
import { AdmissionLimit } from '../../domain/admission-limit';
import { SITE_LINE } from '../../domain/queue-line';
import { queueMetrics } from '../queue.metrics';

export type AdmissionConfig = Pick<
  GatewayConfig,
  | 'QUEUE_KEY_PREFIX'
  | 'QUEUE_MAX_ACTIVE'
  | 'QUEUE_ACTIVE_TTL_SECONDS'
  | 'QUEUE_ADMISSION_INTERVAL_MS'
  | 'QUEUE_ABANDON_AFTER_SECONDS'
  | 'QUEUE_LIMIT_MODE'
  | 'QUEUE_LIMIT_MIN'
  | 'QUEUE_LIMIT_MAX'
  | 'QUEUE_LIMIT_TARGET_P95_MS'
  | 'QUEUE_LIMIT_STEP'
  | 'QUEUE_LIMIT_INTERVAL_MS'
>;

export interface AdmissionOptions {
  /** Where BullMQ's own connections go (the queue's Redis or Redis Cluster). */
  redisTarget: RedisTarget;
  store: Pick<RedisQueueStore, 'admit'>;
  config: AdmissionConfig;
  logger: Logger;
  metrics?: Registry;
  /** The line this admission serves, the `line` label of its metrics (default `site`). */
  line?: string;
  /**
   * Called with the tokens each run admitted, before the run ends (the Postgres copy's write-through,
   * so that the fallback knows an admission even if Redis goes down before the change stream is read).
   */
  onAdmitted?: (tokens: readonly string[], at: number, expiresAt: number) => Promise<unknown>;
  /** Called after every admission this instance ran (tests use it to see which instance ran which tick). */
  onTick?: (result: AdmissionResult, jobId: string) => void;
  /** How often to check that the tick scheduler still exists in Redis (re-created if lost). */
  healIntervalMs?: number;
}

export interface Admission {
  /**
   * Runs an admission now, because a slot was just freed (a payment, a leave, an expiry). Calls while
   * one runs are folded into one more run after it; the atomic script makes any overlap harmless.
   */
  admitNow(): void;
  /** Runs an admission at `at` (epoch ms) too: a slot that was just made to end then frees at once. */
  admitAt(at: number): void;
  /** The admission limit this instance admits up to. */
  readonly limit: AdmissionLimit;
  /** Stops admitting from this instance; other instances carry on. Safe to call twice. */
  close(): Promise<void>;
}

/** BullMQ queue name of the admission ticks, under `${QUEUE_KEY_PREFIX}bull`. */
export const ADMISSION_JOB = 'admission';

export const admissionLimitOf = (config: AdmissionConfig) =>
  new AdmissionLimit({
    mode: config.QUEUE_LIMIT_MODE,
    initial: config.QUEUE_MAX_ACTIVE,
    min: config.QUEUE_LIMIT_MODE === 'fixed' ? config.QUEUE_MAX_ACTIVE : config.QUEUE_LIMIT_MIN,
    max: config.QUEUE_LIMIT_MODE === 'fixed' ? config.QUEUE_MAX_ACTIVE : config.QUEUE_LIMIT_MAX,
    targetP95Ms: config.QUEUE_LIMIT_TARGET_P95_MS,
    increaseStep: config.QUEUE_LIMIT_STEP,
    decreaseFactor: 0.75,
    minSamples: 10,
  });

/**
 * Starts this instance's share of admission. Slots are refilled the moment they free up: `admitNow()`
 * after a payment or a leave, and a timer at the earliest active slot's expiry. The
 * BullMQ tick every QUEUE_ADMISSION_INTERVAL_MS (exactly one gateway takes each) stays as the safety
 * net, and sweeps abandoned places. Every run is one atomic script that reads and fills the free slots,
 * so any number of runs on any number of gateways can never over-admit.
 */
export function startAdmission(options: AdmissionOptions): Admission {
  const { config, store } = options;
  const logger = options.logger.child({ component: 'admission' });
  const metrics = options.metrics ? queueMetrics(options.metrics) : undefined;
  const line = { line: options.line ?? SITE_LINE };
  const limit = admissionLimitOf(config);
  metrics?.admissionLimit.set(line, limit.limit);
  let active = 0;
  let expiryTimer: NodeJS.Timeout | undefined;
  let expiryAt = Infinity;
  let closed = false;

  const admit = async (jobId: string) => {
    const now = Date.now();
    const result = await store.admit({
      now,
      maxActive: limit.limit,
      activeTtlMs: config.QUEUE_ACTIVE_TTL_SECONDS * 1_000,
      abandonBefore: now - config.QUEUE_ABANDON_AFTER_SECONDS * 1_000,
    });
    active = result.active;
    if (result.admitted.length > 0 && options.onAdmitted) {
      await options
        .onAdmitted(result.admitted, now, now + config.QUEUE_ACTIVE_TTL_SECONDS * 1_000)
        .catch((error: unknown) => logger.warn({ err: error }, 'could not write the admission through to Postgres; the sync will'));
    }
    metrics?.admittedTotal.inc(line, result.admitted.length);
    metrics?.droppedTotal.inc(line, result.dropped);
    metrics?.admittedPerTick.observe(line, result.admitted.length);
    if (result.admitted.length > 0 || result.dropped > 0) {
      logger.debug({ admitted: result.admitted.length, dropped: result.dropped, waiting: result.waiting, active: result.active }, 'admission');
    }
    if (result.nextExpiryAt !== undefined) wakeAt(result.nextExpiryAt);
    options.onTick?.(result, jobId);
  };

  let running: Promise<void> | undefined;
  let again = false;
  const admitNow = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await admit('now').catch((error: unknown) => logger.warn({ err: error }, 'admission failed; the tick retries'));
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
  };

  // One timer per process, at the earliest active expiry: a slot that times out is refilled at once.
  function wakeAt(at: number) {
    if (closed || at >= expiryAt) return;
    clearTimeout(expiryTimer);
    expiryAt = at;
    expiryTimer = setTimeout(() => {
      expiryAt = Infinity;
      admitNow();
    }, Math.max(0, at - Date.now()) + 1);
    expiryTimer.unref();
  }

  const adjust = setInterval(() => {
    const change = limit.adjust(Date.now(), active);
    if (!change) return;
    metrics?.admissionLimit.set(line, change.to);
    metrics?.limitChangesTotal.inc({ ...line, reason: change.reason });
    logger.info(change, 'admission limit moved');
    if (change.to > change.from) admitNow();
  }, config.QUEUE_LIMIT_INTERVAL_MS);
  adjust.unref();

  const tick = startRepeatingJob({
    redis: options.redisTarget,
    prefix: `${config.QUEUE_KEY_PREFIX}bull`,
    name: ADMISSION_JOB,
    everyMs: config.QUEUE_ADMISSION_INTERVAL_MS,
    healIntervalMs: options.healIntervalMs,
    logger,
    run: admit,
  });

  return {
    admitNow,
    admitAt: wakeAt,
    limit,
    close: async () => {
      closed = true;
      clearInterval(adjust);
      clearTimeout(expiryTimer);
      await tick.close();
      await running;
    },
  };
}
