import { createMetricsRegistry, openPostgres, openRedis, runService, serveHttp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';

void runService('booking', loadConfig, async (runtime) => {
  const { config, logger } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, config.REDIS_URL);
  const app = buildApp({ logger, metrics: createMetricsRegistry('booking'), readiness: [postgres.readiness, redis.readiness] });
  await serveHttp(runtime, app, config);
});
