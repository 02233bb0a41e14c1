import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, parseEnv, withCredentials } from '@ticketing/service-kit';

export const configSchema = withCredentials(
  baseEnvSchema(8081)
    .extend({
      ...connectionEnv.database('booking'),
      REDIS_URL: connectionEnv.REDIS_URL(),
      /** The gateway's credential: required on the routes it forwards to. */
      INTERNAL_TOKEN: connectionEnv.credential(),
      /** Payment's credential: required on /internal (read, confirm, release a reservation). */
      PAYMENT_INTERNAL_TOKEN: connectionEnv.credential(),
      /** How long an unpaid hold keeps its seat. */
      HOLD_TTL_SECONDS: env.int(300, 1),
      /** Unpaid holds one user may have on one schedule at a time (BOOKING.HOLD_LIMIT beyond it). */
      HOLD_LIMIT_PER_USER: env.int(4, 1),
      /** How often the sweeper releases holds whose expiry job was lost (e.g. across a restart). */
      HOLD_SWEEP_INTERVAL_MS: env.int(5_000, 100),
      /** How long catalogue answers (concerts, schedules, seat lists) may be served from memory (0: off); this process's own seat changes drop a seat list at once. */
      CATALOGUE_CACHE_MS: env.int(1_000, 0),
      /** Prefix of booking's BullMQ keys in Redis, so tests and several deployments never collide. */
      JOBS_PREFIX: env.string('booking'),
    }),
  ['INTERNAL_TOKEN', 'PAYMENT_INTERNAL_TOKEN'],
);

export type BookingConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): BookingConfig => parseEnv(configSchema, source);

/** What the seed command needs: the database only (no credentials, it serves nothing). */
const seedConfigSchema = baseEnvSchema(8081).extend(connectionEnv.database('booking'));

export const loadSeedConfig = (source: NodeJS.ProcessEnv = process.env) => parseEnv(seedConfigSchema, source);
