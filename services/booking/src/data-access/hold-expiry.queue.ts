import { Queue } from 'bullmq';
import type { RedisClient } from '@ticketing/service-kit';
import type { HoldExpiryScheduler } from '../domain/reservation';
import { withTimeout } from '@ticketing/service-kit';

/** The BullMQ queue of hold expiries (its worker is entry-points/jobs/hold-expiry.jobs.ts). */
export const HOLD_EXPIRY_QUEUE = 'hold-expiry';
const SCHEDULE_TIMEOUT_MS = 1_000;

/**
 * One delayed BullMQ job per hold, due at its expiry; the job id is the reservation id, so scheduling
 * twice is harmless. It runs on the service's fail-fast Redis client: while Redis is away a hold does not
 * wait for it and nothing queues up in memory; the sweeper releases the holds whose job was missed.
 */
export class BullHoldExpiryScheduler implements HoldExpiryScheduler {
  private readonly queue: Queue;

  constructor(private readonly connection: RedisClient, prefix: string) {
    this.queue = new Queue(HOLD_EXPIRY_QUEUE, { connection, prefix });
    this.queue.on('error', () => {}); // each failed schedule() reports its own error
  }

  async schedule(reservationId: string, expiresAt: Date): Promise<void> {
    if (this.connection.status !== 'ready') throw new Error(`Redis is ${this.connection.status}; the sweeper will release this hold`);
    const add = this.queue.add(
      'expire',
      { reservationId },
      { jobId: reservationId, delay: Math.max(0, expiresAt.getTime() - Date.now()), removeOnComplete: true, removeOnFail: 1_000, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    );
    await withTimeout(add, SCHEDULE_TIMEOUT_MS, `scheduling the expiry took over ${SCHEDULE_TIMEOUT_MS} ms`);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
