import type { ServiceApp } from '../http/fast-lane';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { ReadinessCheck } from '../health/readiness';
import { createPrismaClient, prismaReadiness, type PrismaClientClass } from '../data-access/prisma';
import { closeRedis, createRedisClient, redisReadiness, type RedisClient, type RedisTarget } from '../data-access/redis';
import { createKafka, kafkaReadiness } from '../data-access/kafka';
import { listen, type RunningServer } from '../http/server';
import type { ServiceRuntime } from './run-service';

/**
 * Each opener creates a client, registers its shutdown step and returns its readiness check, so that a
 * service's main.ts reads as the list of what it depends on.
 */
type Runtime = Pick<ServiceRuntime<unknown>, 'service' | 'logger' | 'shutdown'>;

interface PrismaLike {
  $disconnect(): Promise<void>;
  $queryRawUnsafe(sql: string): Promise<unknown>;
}

export function openPostgres<T extends PrismaLike>(
  runtime: Runtime,
  Client: PrismaClientClass<T>,
  config: { DATABASE_URL: string; DATABASE_SCHEMA: string; DATABASE_POOL_SIZE: number; DATABASE_STATEMENT_TIMEOUT_MS: number },
): { prisma: T; readiness: ReadinessCheck } {
  const prisma = createPrismaClient(Client, {
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  runtime.shutdown.add('postgres', () => prisma.$disconnect());
  return { prisma, readiness: prismaReadiness(prisma) };
}

export function openRedis(runtime: Runtime, url: string): { redis: Redis; readiness: ReadinessCheck };
export function openRedis(runtime: Runtime, target: RedisTarget): { redis: RedisClient; readiness: ReadinessCheck };
export function openRedis(runtime: Runtime, target: string | RedisTarget): { redis: RedisClient; readiness: ReadinessCheck } {
  const redis = createRedisClient(target, runtime.logger);
  runtime.shutdown.add('redis', () => closeRedis(redis));
  return { redis, readiness: redisReadiness(redis) };
}

/** A Kafka client named after the service. */
export function openKafka(runtime: Runtime, config: { KAFKA_BROKERS: string[] }): { kafka: Kafka; readiness: ReadinessCheck } {
  const kafka = createKafka({ clientId: runtime.service, brokers: config.KAFKA_BROKERS, logger: runtime.logger });
  const admin = kafka.admin();
  runtime.shutdown.add('kafka-admin', () => admin.disconnect());
  return { kafka, readiness: kafkaReadiness(admin) };
}

/** Listens and registers the HTTP server to close first on shutdown (it was added last). */
export async function serveHttp(runtime: Runtime, app: ServiceApp, config: { PORT: number; HOST: string }): Promise<RunningServer> {
  const server = await listen(app, config.PORT, config.HOST);
  runtime.shutdown.add('http', server.close);
  runtime.logger.info({ url: server.url }, 'listening');
  return server;
}
