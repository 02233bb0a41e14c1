import { join } from 'node:path';
import { openKafka, openPostgres, openRedis, runService, serveHttp, superviseWorkers } from '@ticketing/service-kit';
import { loadConfig, redisTargetOf } from './config';
import { PrismaClient } from './data-access/generated/prisma/client';
import { wireGateway } from './wiring';

// GATEWAY_PROCESSES > 1: this process supervises that many gateway processes on the one port.
const supervising = superviseWorkers('queue-gateway', Number(process.env.GATEWAY_PROCESSES ?? 1));

// Shutdown steps run in reverse order of registration: HTTP stops first, the clients close last.
if (!supervising) void runService('queue-gateway', loadConfig, async (runtime) => {
  const { config, logger, metrics, shutdown } = runtime;
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, redisTargetOf(config));
  const kafka = openKafka(runtime, config);

  const gateway = wireGateway({
    config,
    logger,
    metrics,
    redis: redis.redis,
    prisma: postgres.prisma,
    kafka: kafka.kafka,
    readiness: [postgres.readiness, redis.readiness, kafka.readiness],
    webDir: join(__dirname, 'web'),
  });
  for (const step of gateway.steps) shutdown.add(step.name, step.close, step.timeoutMs === undefined ? undefined : { timeoutMs: step.timeoutMs });
  await serveHttp(runtime, gateway.app, config);
  // Registered after the server, so it runs before it closes.
  shutdown.add(gateway.afterServing.name, gateway.afterServing.close);
});
