import { join } from 'node:path';
import { createMetricsRegistry, openKafka, openPostgres, openRedis, runService, serveHttp, createUpstream } from '@ticketing/service-kit';
import { buildApp } from './app';
import { loadConfig } from './config';
import { startFallbackSync } from './data-access/fallback-sync';
import { FallbackTokenRepository } from './data-access/fallback-token.repository';
import { keyedLimit } from './data-access/rate.limiter';
import { metricsScraper } from './data-access/metrics.scraper';
import { createJwtVerifier } from './data-access/jwt.verifier';
import { PrismaClient } from './data-access/generated/prisma/client';
import { RedisQueueStore } from './data-access/queue.store';
import { createTokenLookup } from './data-access/token-lookup';
import { bodyIdentity, jwtIdentity } from './entry-points/http/caller-identity';
import { forwardRoutes } from './entry-points/http/forward.routes';
import { queueEventRoutes } from './entry-points/http/queue-events.routes';
import { queueRoutes } from './entry-points/http/queue.routes';
import { opsRoutes } from './entry-points/http/ops.routes';
import { webRoutes } from './entry-points/http/web.routes';
import { verifyQueueToken } from './entry-points/http/verify-token';
import { startAdmission } from './entry-points/jobs/admission.job';
import { presenceInterval, startWaitingRoom } from './entry-points/jobs/waiting-room.job';
import { queueMetrics } from './entry-points/queue.metrics';
import { startPaymentCompletedConsumer } from './entry-points/kafka/payment-completed.consumer';
import { waitEstimator } from './domain/wait-estimate';

/** A slot outlives its user's last hold by this much: time to read the expiry and join the line again. */
const HOLD_GRACE_MS = 5_000;

// Shutdown steps run in reverse order of registration: HTTP stops first, the clients close last.
void runService('queue-gateway', loadConfig, async (runtime) => {
  const { config, logger, shutdown } = runtime;
  const metrics = createMetricsRegistry('queue-gateway');
  const postgres = openPostgres(runtime, PrismaClient, config);
  const redis = openRedis(runtime, config.REDIS_URL);
  const kafka = openKafka(runtime, 'queue-gateway', config.KAFKA_BROKERS);

  const store = new RedisQueueStore(redis.redis, { prefix: config.QUEUE_KEY_PREFIX, abandonAfterMs: config.QUEUE_ABANDON_AFTER_SECONDS * 1000 });
  const repository = new FallbackTokenRepository(postgres.prisma);
  const tokenLookup = createTokenLookup({
    store,
    repository,
    connection: redis.redis,
    breaker: {
      timeoutMs: config.BREAKER_TIMEOUT_MS,
      errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
    },
    metrics,
    logger,
  });
  shutdown.add('token-breaker', tokenLookup.close);
  const sync = startFallbackSync({
    redis: redis.redis,
    prefix: config.QUEUE_KEY_PREFIX,
    repository,
    snapshot: (at) => store.snapshot(at),
    intervalMs: config.FALLBACK_SYNC_INTERVAL_MS,
    logger,
  });
  shutdown.add('fallback-sync', sync.close);

  const upstreams = { booking: createUpstream({ name: 'booking', url: config.BOOKING_URL }), payment: createUpstream({ name: 'payment', url: config.PAYMENT_URL }) };
  shutdown.add('upstreams', () => Promise.all([upstreams.booking.close(), upstreams.payment.close()]));

  const admission = startAdmission({
    redisUrl: config.REDIS_URL,
    store,
    config,
    logger,
    metrics,
    onAdmitted: (tokens, at, expiresAt) => repository.markAdmitted(tokens, at, expiresAt),
  });
  shutdown.add('admission', admission.close);
  const consumer = startPaymentCompletedConsumer({
    kafka: kafka.kafka,
    groupId: config.KAFKA_GROUP_ID,
    expireUser: (userId, now, options) => store.expireUser(userId, now, options),
    expireInFallback: (userId, options) => repository.expireUser(userId, options),
    onExpired: admission.admitNow,
    logger,
  });
  // Leaving the group can wait on a rebalance (e.g. right after a broker restart); the group copes if we don't.
  shutdown.add('payment-completed-consumer', consumer.close, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2 });
  const waiting = startWaitingRoom({ redis: redis.redis, store, presenceEveryMs: presenceInterval(config.QUEUE_ABANDON_AFTER_SECONDS), logger });
  shutdown.add('waiting-room', waiting.close);
  // A payment seen by the gateway frees the payer's slot at once (the Kafka event stays the durable path).
  const freeSlotOf = (token: string) =>
    void store
      .leave(token, Date.now())
      .then((left) => left === 'ACTIVE' && admission.admitNow())
      .catch((error: unknown) => logger.debug({ err: error }, 'could not free a paid slot at once; PaymentCompleted will'));
  // A hold that lapses unpaid gives the slot back: the token's slot ends with the user's latest hold.
  const endWithHold = (token: string, holdEndsAt: number) =>
    void store
      .endWithHold(token, holdEndsAt + HOLD_GRACE_MS, config.QUEUE_ACTIVE_TTL_SECONDS * 1_000, Date.now())
      .then((ends) => ends !== undefined && admission.admitAt(ends))
      .catch((error: unknown) => logger.debug({ err: error }, 'could not tie the slot to the hold; it ends with its TTL'));
  const events = queueEventRoutes({ lookup: tokenLookup.view, room: waiting.room, estimate: waitEstimator(config.QUEUE_ACTIVE_TTL_SECONDS, () => admission.limit.limit) });

  const identify =
    config.AUTH_MODE === 'jwt'
      ? jwtIdentity(createJwtVerifier({ secret: config.AUTH_JWT_SECRET, jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_JWT_ISSUER, audience: config.AUTH_JWT_AUDIENCE }))
      : bodyIdentity;
  const limitOf = (name: string, points: number, windowSeconds: number) =>
    keyedLimit({ redis: redis.redis, keyPrefix: `${config.QUEUE_KEY_PREFIX}rl:${name}`, limit: { points, windowSeconds }, logger });
  const issueLimits = {
    perAddress: limitOf('address', config.RATE_LIMIT_PER_ADDRESS, config.RATE_LIMIT_ADDRESS_WINDOW_SECONDS),
    perUser: limitOf('user', config.RATE_LIMIT_PER_USER, config.RATE_LIMIT_USER_WINDOW_SECONDS),
  };

  const queue = queueRoutes({
    store,
    lookup: tokenLookup.view,
    config,
    breakerState: tokenLookup.state,
    metrics,
    identify,
    issueLimits,
    room: waiting.room,
    admissionLimit: admission.limit,
    onSlotFreed: admission.admitNow,
  });
  const forwards = forwardRoutes({
    verify: verifyQueueToken({ lookup: tokenLookup.lookup, formerOwner: async (token) => (await repository.findByToken(token))?.userId }),
    upstreams,
    internalToken: config.INTERNAL_TOKEN,
    logger,
    observe: (latencyMs, failed) => admission.limit.observe(latencyMs, failed),
    onPaid: freeSlotOf,
    onHeld: endWithHold,
    limits: {
      holds: limitOf('hold', config.RATE_LIMIT_HOLDS_PER_USER, config.RATE_LIMIT_ACTION_WINDOW_SECONDS),
      payments: limitOf('payment', config.RATE_LIMIT_PAYMENTS_PER_USER, config.RATE_LIMIT_ACTION_WINDOW_SECONDS),
    },
    onRateLimited: (limit) => queueMetrics(metrics).rateLimitedTotal.inc({ limit }),
  });
  const ops = opsRoutes({
    operatorToken: config.OPS_TOKEN,
    counts: () => store.counts(Date.now()),
    limit: admission.limit,
    breakerState: tokenLookup.state,
    connectedWaiters: () => waiting.room.size,
    metrics,
    scrape: metricsScraper({ payment: config.PAYMENT_URL, sink: config.SINK_URL }),
  });
  const app = buildApp({
    logger,
    metrics,
    readiness: [postgres.readiness, redis.readiness, kafka.readiness],
    fastRoutes: [...queue, ...forwards],
    routes: [events.router, ops, webRoutes(join(__dirname, 'web'), config.AUTH_MODE)],
    operatorToken: config.OPS_TOKEN,
    trustProxy: config.TRUST_PROXY,
  });
  await serveHttp(runtime, app, config);
  // Registered after the server, so it runs before it closes: open long-polls and event streams end
  // now (clients reconnect elsewhere) instead of holding the shutdown for up to a minute.
  shutdown.add('waiters', () => {
    waiting.room.dismissAll();
    events.close();
  });
});
