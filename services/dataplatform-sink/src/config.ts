import type { z } from 'zod';
import { baseEnvSchema, connectionEnv, parseEnv, rejectDevSecretsInProduction } from '@ticketing/service-kit';

export const configSchema = baseEnvSchema(8083)
  .extend({
    ...connectionEnv.database('dataplatform_sink'),
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
  })
  .superRefine(rejectDevSecretsInProduction);

export type SinkConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): SinkConfig => parseEnv(configSchema, source);
