import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, parseEnv, rejectDevSecretsInProduction } from '@ticketing/service-kit';

export const configSchema = baseEnvSchema(8080)
  .extend({
    ...connectionEnv.database('queue_gateway'),
    REDIS_URL: connectionEnv.REDIS_URL(),
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
    INTERNAL_TOKEN: connectionEnv.INTERNAL_TOKEN(),
    BOOKING_URL: env.url('http://127.0.0.1:8081'),
    PAYMENT_URL: env.url('http://127.0.0.1:8082'),
  })
  .superRefine(rejectDevSecretsInProduction);

export type GatewayConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig => parseEnv(configSchema, source);
