import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, parseEnv, rejectDevSecretsInProduction } from '@ticketing/service-kit';

export const configSchema = baseEnvSchema(8082)
  .extend({
    ...connectionEnv.database('payment'),
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
    INTERNAL_TOKEN: connectionEnv.INTERNAL_TOKEN(),
  })
  .superRefine(rejectDevSecretsInProduction);

export type PaymentConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): PaymentConfig => parseEnv(configSchema, source);
