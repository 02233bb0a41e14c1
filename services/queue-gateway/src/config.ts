import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, parseEnv, rejectDevSecretsInProduction } from '@ticketing/service-kit';

export const configSchema = baseEnvSchema(8080)
  .extend({
    ...connectionEnv.database('queue_gateway'),
    REDIS_URL: connectionEnv.REDIS_URL(),
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
    /** The consumer group of the PaymentCompleted consumer; every gateway instance shares it. */
    KAFKA_GROUP_ID: env.string('queue-gateway'),
    INTERNAL_TOKEN: connectionEnv.INTERNAL_TOKEN(),
    BOOKING_URL: env.url('http://127.0.0.1:8081'),
    PAYMENT_URL: env.url('http://127.0.0.1:8082'),
    /** Every Redis key of the queue starts with this, so tests (and several queues) never collide. */
    QUEUE_KEY_PREFIX: env.string('queue:'),
    /** Users allowed past the queue at the same time. */
    QUEUE_MAX_ACTIVE: env.int(100, 1),
    /** How long an admitted user stays active (their slot frees itself after this). */
    QUEUE_ACTIVE_TTL_SECONDS: env.int(300, 1),
    /** How often the admitter moves users from the waiting line to the active set. */
    QUEUE_ADMISSION_INTERVAL_MS: env.int(1_000, 50),
    /** A waiting user who has not polled for this long loses their place. */
    QUEUE_ABANDON_AFTER_SECONDS: env.int(60, 1),
    /** How often queue changes are copied from Redis into the Postgres fallback table. */
    FALLBACK_SYNC_INTERVAL_MS: env.int(500, 50),
    /** Circuit breaker around Redis token checks. */
    BREAKER_TIMEOUT_MS: env.int(500, 10),
    BREAKER_ERROR_THRESHOLD_PERCENT: env.int(50, 1),
    BREAKER_VOLUME_THRESHOLD: env.int(5, 1),
    BREAKER_RESET_TIMEOUT_MS: env.int(2_000, 100),
  })
  .superRefine(rejectDevSecretsInProduction);

export type GatewayConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig => parseEnv(configSchema, source);
