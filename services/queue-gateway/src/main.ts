import { createMetricsRegistry, openKafka, openPostgres, openRedis, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';

void runService('queue-gateway', loadConfig, async (runtime) => {
  const { config, logger } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, config.REDIS_URL);
  const kafka = openKafka(runtime, 'queue-gateway', config.KAFKA_BROKERS);
  const readiness = [postgres.readiness, redis.readiness, kafka.readiness];
  const app = buildApp({ logger, metrics: createMetricsRegistry('queue-gateway'), readiness });
  await serveHttp(runtime, app, config);
});
