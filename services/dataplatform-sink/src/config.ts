import { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, parseEnv, withCredentials } from '@ticketing/service-kit';

export const configSchema = withCredentials(
  baseEnvSchema(8083)
    .extend({
      ...connectionEnv.database('dataplatform_sink'),
      KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
      /** The sink's consumer group: every instance shares it, so each event is handled by one of them. */
      KAFKA_GROUP_ID: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 characters of A-Z, a-z, 0-9, ., _ or -').default('dataplatform-sink'),
      /** Most events written by one INSERT; a bigger Kafka batch is stored in several, each committed in turn. */
      SINK_STORE_BATCH_SIZE: env.int(500, 1),
      /** First pause before a failed batch (database or DLQ unreachable) is tried again; it doubles from here… */
      SINK_RETRY_INITIAL_DELAY_MS: env.int(300, 10),
      /** …up to this ceiling, so an outage of any length is retried at a bounded pace and never skipped. */
      SINK_RETRY_MAX_DELAY_MS: env.int(30_000, 10),
    })
    .superRefine((config, ctx) => {
      if (config.SINK_RETRY_INITIAL_DELAY_MS > config.SINK_RETRY_MAX_DELAY_MS) {
        ctx.addIssue({ code: 'custom', path: ['SINK_RETRY_INITIAL_DELAY_MS'], message: 'must not exceed SINK_RETRY_MAX_DELAY_MS' });
      }
    }),
  [],
);

export type SinkConfig = z.infer<typeof configSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): SinkConfig => parseEnv(configSchema, source);
