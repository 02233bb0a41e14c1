import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { HoldExpiryScheduler } from '../domain/reservation';

/** The BullMQ queue of hold expiries (its worker is entry-points/jobs/hold-expiry.jobs.ts). */
export const HOLD_EXPIRY_QUEUE = 'hold-expiry';
const SCHEDULE_TIMEOUT_MS = 1_000;

/** BullMQ needs connections that retry forever rather than fail a blocking command. */
export const bullConnection = (redisUrl: string) => new Redis(redisUrl, { maxRetriesPerRequest: null, enableOfflineQueue: true });

/** One delayed BullMQ job per hold, due at its expiry; the job id is the reservation id, so scheduling twice is harmless. */
export class BullHoldExpiryScheduler implements HoldExpiryScheduler {
  private readonly queue: Queue;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue(HOLD_EXPIRY_QUEUE, { connection, prefix });
  }

  async schedule(reservationId: string, expiresAt: Date): Promise<void> {
    // BullMQ's connection waits for Redis indefinitely; a hold must not. The sweeper covers a miss.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scheduling the expiry took over ${SCHEDULE_TIMEOUT_MS} ms`)), SCHEDULE_TIMEOUT_MS);
    });
    const add = this.queue.add(
      'expire',
      { reservationId },
      { jobId: reservationId, delay: Math.max(0, expiresAt.getTime() - Date.now()), removeOnComplete: true, removeOnFail: 1_000, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    );
    try {
      await Promise.race([add, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
