import { createMetricsRegistry, openKafka, openPostgres, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';

void runService('dataplatform-sink', loadConfig, async (runtime) => {
  const { config, logger } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const kafka = openKafka(runtime, 'dataplatform-sink', config.KAFKA_BROKERS);
  const readiness = [postgres.readiness, kafka.readiness];
  const app = buildApp({ logger, metrics: createMetricsRegistry('dataplatform-sink'), readiness });
  await serveHttp(runtime, app, config);
});
