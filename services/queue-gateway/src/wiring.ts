import { createUpstream, type createRedisClient, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';
import { buildApp } from './app';
import type { GatewayConfig } from './config';
import { startFallbackSync } from './data-access/fallback/fallback-sync';
import { FallbackTokenRepository } from './data-access/fallback/fallback-token.repository';
import type { PrismaClient } from './data-access/generated/prisma/client';
import { createJwtVerifier } from './data-access/jwt.verifier';
import { metricsScraper } from './data-access/metrics.scraper';
import { RedisQueueStore } from './data-access/redis-queue/queue.store';
import { keyedLimit } from './data-access/rate.limiter';
import { createTokenLookup } from './data-access/fallback/token-lookup';
import { waitEstimator } from './domain/wait-estimate';
import { bodyIdentity, jwtIdentity } from './entry-points/http/caller-identity';
import { forwardRoutes, type ForwardRoutesDependencies } from './entry-points/http/forward.routes';
import { opsRoutes, type OpsRoutesDependencies } from './entry-points/http/ops.routes';
import { queueEventRoutes, type QueueEventsDependencies } from './entry-points/http/queue-events.routes';
import { queueRoutes, readQueueStats, type QueueRoutesDependencies } from './entry-points/http/queue.routes';
import { verifyQueueToken } from './entry-points/http/verify-token';
import { webRoutes } from './entry-points/http/web.routes';
import { startAdmission } from './entry-points/jobs/admission.job';
import { presenceInterval, startWaitingRoom } from './entry-points/jobs/waiting-room.job';
import { startPaymentCompletedConsumer, type PaymentCompletedConsumerOptions } from './entry-points/kafka/payment-completed.consumer';
import { queueMetrics } from './entry-points/queue.metrics';

/** A slot outlives its user's last hold by this much: time to read the expiry and join the line again. */
const HOLD_GRACE_MS = 5_000;

/**
 * The gateway's HTTP face from its parts: the queue routes, the protected routes forwarded to booking
 * and payment, the event stream, the dashboard's data and the pages, in `buildApp`. Each part is
 * optional, so a test mounts what it is about with the wiring production uses.
 */
export interface GatewayHttpParts {
  logger: Logger;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
  operatorToken: string;
  trustProxy: readonly string[];
  queue?: QueueRoutesDependencies;
  forward?: ForwardRoutesDependencies;
  events?: QueueEventsDependencies;
  ops?: OpsRoutesDependencies;
  web?: { dir: string; authMode: 'dev' | 'jwt' };
}

export function wireHttp(parts: GatewayHttpParts): { app: ServiceApp; closeStreams: () => void } {
  const events = parts.events && queueEventRoutes(parts.events);
  const app = buildApp({
    logger: parts.logger,
    metrics: parts.metrics,
    readiness: [...parts.readiness],
    fastRoutes: [...(parts.queue ? queueRoutes(parts.queue) : []), ...(parts.forward ? forwardRoutes(parts.forward) : [])],
    routes: [...(events ? [events.router] : []), ...(parts.ops ? [opsRoutes(parts.ops)] : []), ...(parts.web ? [webRoutes(parts.web.dir, parts.web.authMode)] : [])],
    operatorToken: parts.operatorToken,
    trustProxy: parts.trustProxy,
  });
  return { app, closeStreams: () => events?.close() };
}

export interface GatewayWiringOptions {
  config: GatewayConfig;
  logger: Logger;
  metrics: Registry;
  /** The service's fail-fast Redis client. */
  redis: ReturnType<typeof createRedisClient>;
  prisma: PrismaClient;
  kafka: PaymentCompletedConsumerOptions['kafka'];
  readiness: ReadinessCheck[];
  /** Where the built pages are (dist/web). */
  webDir: string;
}

/** One shutdown step; main.ts registers them in this order (they run in reverse). */
export interface ShutdownStep {
  name: string;
  close: () => unknown;
  timeoutMs?: number;
}

/**
 * Builds the whole gateway from its clients and config, for main.ts: the queue store and its Postgres
 * copy, token checks behind the breaker, the sync, admission, the PaymentCompleted consumer, the waiting
 * room, the upstreams and rate limits, and the HTTP app. Returns the app and its shutdown steps.
 */
export function wireGateway(options: GatewayWiringOptions): { app: ServiceApp; steps: ShutdownStep[]; afterServing: ShutdownStep } {
  const { config, logger, metrics, redis } = options;
  const steps: ShutdownStep[] = [];
  const store = new RedisQueueStore(redis, { prefix: config.QUEUE_KEY_PREFIX, abandonAfterMs: config.QUEUE_ABANDON_AFTER_SECONDS * 1000 });
  const repository = new FallbackTokenRepository(options.prisma);
  const tokenLookup = createTokenLookup({
    store,
    repository,
    connection: redis,
    breaker: {
      timeoutMs: config.BREAKER_TIMEOUT_MS,
      errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
    },
    metrics,
    logger,
  });
  steps.push({ name: 'token-breaker', close: tokenLookup.close });
  const sync = startFallbackSync({
    redis,
    prefix: config.QUEUE_KEY_PREFIX,
    repository,
    snapshot: (at) => store.snapshot(at),
    intervalMs: config.FALLBACK_SYNC_INTERVAL_MS,
    logger,
  });
  steps.push({ name: 'fallback-sync', close: sync.close });

  const upstreams = { booking: createUpstream({ name: 'booking', url: config.BOOKING_URL }), payment: createUpstream({ name: 'payment', url: config.PAYMENT_URL }) };
  steps.push({ name: 'upstreams', close: () => Promise.all([upstreams.booking.close(), upstreams.payment.close()]) });

  const admission = startAdmission({
    redisUrl: config.REDIS_URL,
    store,
    config,
    logger,
    metrics,
    onAdmitted: (tokens, at, expiresAt) => repository.markAdmitted(tokens, at, expiresAt),
  });
  steps.push({ name: 'admission', close: admission.close });
  const consumer = startPaymentCompletedConsumer({
    kafka: options.kafka,
    groupId: config.KAFKA_GROUP_ID,
    expireUser: (userId, now, expireOptions) => store.expireUser(userId, now, expireOptions),
    expireInFallback: (userId, expireOptions) => repository.expireUser(userId, expireOptions),
    onExpired: admission.admitNow,
    logger,
  });
  // Leaving the group can wait on a rebalance (e.g. right after a broker restart); the group copes if we don't.
  steps.push({ name: 'payment-completed-consumer', close: consumer.close, timeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2 });
  const waiting = startWaitingRoom({ redis, store, presenceEveryMs: presenceInterval(config.QUEUE_ABANDON_AFTER_SECONDS), logger });
  steps.push({ name: 'waiting-room', close: waiting.close });

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

  const identify =
    config.AUTH_MODE === 'jwt'
      ? jwtIdentity(createJwtVerifier({ secret: config.AUTH_JWT_SECRET, jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_JWT_ISSUER, audience: config.AUTH_JWT_AUDIENCE }))
      : bodyIdentity;
  const limitOf = (name: string, points: number, windowSeconds: number) =>
    keyedLimit({ redis, keyPrefix: `${config.QUEUE_KEY_PREFIX}rl:${name}`, limit: { points, windowSeconds }, logger });

  const http = wireHttp({
    logger,
    metrics,
    readiness: options.readiness,
    operatorToken: config.OPS_TOKEN,
    trustProxy: config.TRUST_PROXY,
    queue: {
      store,
      lookup: tokenLookup.view,
      config,
      breakerState: tokenLookup.state,
      metrics,
      identify,
      issueLimits: {
        perAddress: limitOf('address', config.RATE_LIMIT_PER_ADDRESS, config.RATE_LIMIT_ADDRESS_WINDOW_SECONDS),
        perUser: limitOf('user', config.RATE_LIMIT_PER_USER, config.RATE_LIMIT_USER_WINDOW_SECONDS),
      },
      room: waiting.room,
      admissionLimit: admission.limit,
      onSlotFreed: admission.admitNow,
    },
    forward: {
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
    },
    events: { lookup: tokenLookup.view, room: waiting.room, estimate: waitEstimator(config.QUEUE_ACTIVE_TTL_SECONDS, () => admission.limit.limit) },
    ops: {
      operatorToken: config.OPS_TOKEN,
      queueStats: readQueueStats({ store, admissionLimit: admission.limit, room: waiting.room, breakerState: tokenLookup.state }),
      metrics,
      scrape: metricsScraper({ payment: config.PAYMENT_URL, sink: config.SINK_URL }),
    },
    web: { dir: options.webDir, authMode: config.AUTH_MODE },
  });
  // Runs before the HTTP server closes: open long-polls and event streams end now (clients reconnect
  // elsewhere) instead of holding the shutdown for up to a minute.
  const afterServing: ShutdownStep = {
    name: 'waiters',
    close: () => {
      waiting.room.dismissAll();
      http.closeStreams();
    },
  };
  return { app: http.app, steps, afterServing };
}
