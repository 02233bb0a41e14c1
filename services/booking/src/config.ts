import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, parseEnv, rejectDevSecretsInProduction } from '@ticketing/service-kit';

export const configSchema = baseEnvSchema(8081)
  .extend({
    ...connectionEnv.database('booking'),
    REDIS_URL: connectionEnv.REDIS_URL(),
    INTERNAL_TOKEN: connectionEnv.INTERNAL_TOKEN(),
  })
  .superRefine(rejectDevSecretsInProduction);

export type BookingConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): BookingConfig => parseEnv(configSchema, source);
