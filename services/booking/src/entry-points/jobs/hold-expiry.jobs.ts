import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { repeatEvery, type Logger } from '@ticketing/service-kit';
import { HOLD_EXPIRY_QUEUE } from '../../data-access/hold-expiry.queue';
import type { ReservationStore } from '../../domain/reservation';
import type { BookingMetrics } from '../../data-access/booking.metrics';

/**
 * Releases each hold when its delayed job comes due (a no-op if it was paid or released meanwhile).
 * `connection` must wait across outages (service-kit's createWorkerRedisClient). Closing does not wait
 * for running jobs or for Redis: an interrupted job is idempotent and is retried, or the sweeper does it.
 */
export function startHoldExpiryWorker(connection: ConnectionOptions, prefix: string, store: ReservationStore, metrics: BookingMetrics): { close(): Promise<void> } {
  const worker = new Worker(
    HOLD_EXPIRY_QUEUE,
    async (job: Job<{ reservationId: string }>) => {
      if (await store.expire(job.data.reservationId)) metrics.expiries.inc({ via: 'job' });
    },
    { connection, prefix, concurrency: 10 },
  );
  worker.on('error', () => {}); // the connection's own client logs the outage once
  return { close: () => worker.close(true) };
}

const SWEEP_BATCH = 500;

/**
 * The safety net behind the per-hold delayed jobs: at start and then every `intervalMs`, release whatever
 * holds are past expiry (after a restart, a lost job, or Redis trouble). Returns a stop function.
 */
export function startHoldSweeper(store: ReservationStore, intervalMs: number, logger: Logger, metrics: BookingMetrics): () => Promise<void> {
  return repeatEvery(intervalMs, async () => {
    try {
      let expired: number;
      do {
        expired = await store.expireDue(SWEEP_BATCH);
        if (expired > 0) {
          metrics.expiries.inc({ via: 'sweeper' }, expired);
          logger.info({ expired }, 'expired holds released by the sweeper');
        }
      } while (expired === SWEEP_BATCH);
    } catch (error) {
      logger.warn({ err: error }, 'hold sweep failed; retrying next interval');
    }
  });
}
