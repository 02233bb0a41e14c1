import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, parseEnv, withCredentials } from '@ticketing/service-kit';

export const configSchema = withCredentials(
  baseEnvSchema(8082)
    .extend({
      ...connectionEnv.database('payment'),
      KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
      /** The gateway's credential: required on the routes it forwards to. */
      INTERNAL_TOKEN: connectionEnv.credential(),
      /** Payment's credential: presented to booking's /internal routes. */
      PAYMENT_INTERNAL_TOKEN: connectionEnv.credential(),
      /** Booking's internal API: reservations are read and confirmed there. */
      BOOKING_URL: env.url('http://127.0.0.1:8081'),
      /** A booking call slower than this counts as "booking unreachable" (the payment stays PENDING). */
      BOOKING_TIMEOUT_MS: env.int(3_000, 100),
      /** Optimistic-lock attempts on one balance row before answering 409 PAYMENT.CONCURRENT_UPDATE. */
      BALANCE_MAX_ATTEMPTS: env.int(40, 1),
      /** Ceiling of the jittered pause between two attempts; it doubles from 2 ms up to this. */
      BALANCE_RETRY_MAX_DELAY_MS: env.int(100, 1),
      /** How long a repeated Idempotency-Key waits for the first request to finish before resuming it itself. */
      IDEMPOTENCY_WAIT_MS: env.int(5_000, 0),
      /** How often the recovery job looks for payments left PENDING. */
      RECOVERY_INTERVAL_MS: env.int(5_000, 50),
      /** A PENDING payment untouched this long is taken over by recovery (a live request is done long before). */
      RECOVERY_AFTER_MS: env.int(30_000, 1),
      RECOVERY_BATCH_SIZE: env.int(50, 1),
      /** How often the outbox relay polls when it found nothing to publish. */
      OUTBOX_POLL_INTERVAL_MS: env.int(200, 10),
      OUTBOX_BATCH_SIZE: env.int(100, 1),
      /** The relay's pause after a failed publish starts at the poll interval and doubles up to this. */
      OUTBOX_MAX_BACKOFF_MS: env.int(30_000, 10),
    })
    .superRefine((config, ctx) => {
      // Recovery taking over a payment whose request is still waiting on booking is harmless (every step
      // is idempotent) but wasteful and noisy: the takeover threshold must outlast a booking call.
      if (config.RECOVERY_AFTER_MS <= config.BOOKING_TIMEOUT_MS) {
        ctx.addIssue({ code: 'custom', path: ['RECOVERY_AFTER_MS'], message: 'must be greater than BOOKING_TIMEOUT_MS' });
      }
    }),
  ['INTERNAL_TOKEN', 'PAYMENT_INTERNAL_TOKEN'],
);

export type PaymentConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): PaymentConfig => parseEnv(configSchema, source);
