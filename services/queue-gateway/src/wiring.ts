import { createUpstream, type Logger, type ReadinessCheck, type RedisClient, type Registry, type ServiceApp } from '@ticketing/service-kit';
import { buildApp } from './app';
import { redisTargetOf, type GatewayConfig } from './config';
import { bookingConcertCatalogue } from './data-access/concert.catalogue';
import { FallbackTokenRepository } from './data-access/fallback/fallback-token.repository';
import type { PrismaClient } from './data-access/generated/prisma/client';
import { createJwtVerifier } from './data-access/jwt.verifier';
import { metricsScraper } from './data-access/metrics.scraper';
import { keyedLimit } from './data-access/rate.limiter';
import { createTokenLookup } from './data-access/fallback/token-lookup';
import { waitEstimator } from './domain/wait-estimate';
import { bodyIdentity, jwtIdentity } from './entry-points/http/caller-identity';
import { forwardRoutes, type ForwardRoutesDependencies } from './entry-points/http/forward.routes';
import { lineOfToken } from './entry-points/http/lines';
import { opsRoutes, type OpsRoutesDependencies } from './entry-points/http/ops.routes';
import { queueEventRoutes, type QueueEventsDependencies } from './entry-points/http/queue-events.routes';
import { queueRoutes, readQueueStats, type QueueRoutesDependencies } from './entry-points/http/queue.routes';
import { verifyQueueToken } from './entry-points/http/verify-token';
import { webRoutes } from './entry-points/http/web.routes';
import { QueueLines } from './entry-points/jobs/queue-lines';
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
  redis: RedisClient;
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
  const upstreams = { booking: createUpstream({ name: 'booking', url: config.BOOKING_URL }), payment: createUpstream({ name: 'payment', url: config.PAYMENT_URL }) };
  steps.push({ name: 'upstreams', close: () => Promise.all([upstreams.booking.close(), upstreams.payment.close()]) });
  const repository = new FallbackTokenRepository(options.prisma);
  const lines = new QueueLines({
    settings: { redis, redisTarget: redisTargetOf(config), config, repository, logger, metrics },
    catalogue: bookingConcertCatalogue({ booking: upstreams.booking, internalToken: config.INTERNAL_TOKEN }),
  });
  steps.push({ name: 'lines', close: () => lines.close() });
  const { site } = lines;
  const tokenLookup = createTokenLookup({
    // Each token is looked up in its own line's keys.
    store: { lookup: (token, now, lookupOptions) => lines.storeOf(token).lookup(token, now, lookupOptions) },
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

  const consumer = startPaymentCompletedConsumer({
    kafka: options.kafka,
    groupId: config.KAFKA_GROUP_ID,
    // The payer's token in the site-wide line and in the line of the concert paid for; a slot freed admits the next at once.
    expireUser: async (userId, now, { concertId, ...expireOptions }) => {
      const expired = await Promise.all(lines.storesFor(concertId).map((store) => store.expireUser(userId, now, expireOptions)));
      expired.forEach((token) => token !== undefined && lines.openLineOf(token)?.admission.admitNow());
      return expired.find((token) => token !== undefined);
    },
    expireInFallback: (userId, expireOptions) => repository.expireUser(userId, expireOptions),
    logger,
  });
  // Leaving the group can wait on a rebalance (e.g. right after a broker restart); the group copes if we don't.
  steps.push({ name: 'payment-completed-consumer', close: consumer.close, timeoutMs: config.SHUTDOWN_TIMEOUT_MS / 2 });

  // A payment seen by the gateway frees the payer's slot at once (the Kafka event stays the durable path).
  const freeSlotOf = (token: string) =>
    void lines
      .storeOf(token)
      .leave(token, Date.now())
      .then((left) => left === 'ACTIVE' && lines.openLineOf(token)?.admission.admitNow())
      .catch((error: unknown) => logger.debug({ err: error }, 'could not free a paid slot at once; PaymentCompleted will'));
  // A hold that lapses unpaid gives the slot back: the token's slot ends with the user's latest hold.
  const endWithHold = (token: string, holdEndsAt: number) =>
    void lines
      .storeOf(token)
      .endWithHold(token, holdEndsAt + HOLD_GRACE_MS, config.QUEUE_ACTIVE_TTL_SECONDS * 1_000, Date.now())
      .then((ends) => ends !== undefined && lines.openLineOf(token)?.admission.admitAt(ends))
      .catch((error: unknown) => logger.debug({ err: error }, 'could not tie the slot to the hold; it ends with its TTL'));
  // The adaptive limits learn from the backend calls made by their own line's users.
  const observe = (token: string, latencyMs: number, failed: boolean) => lines.openLineOf(token)?.admissionLimit.observe(latencyMs, failed);

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
      store: site.store,
      lookup: tokenLookup.view,
      config,
      breakerState: tokenLookup.state,
      metrics,
      identify,
      issueLimits: {
        perAddress: limitOf('address', config.RATE_LIMIT_PER_ADDRESS, config.RATE_LIMIT_ADDRESS_WINDOW_SECONDS),
        perUser: limitOf('user', config.RATE_LIMIT_PER_USER, config.RATE_LIMIT_USER_WINDOW_SECONDS),
      },
      room: site.room,
      admissionLimit: site.admissionLimit,
      onSlotFreed: site.onSlotFreed,
      lines,
    },
    forward: {
      verify: verifyQueueToken({
        lookup: tokenLookup.lookup,
        // Redis remembers an ended token's user for a while; the Postgres copy for an hour.
        formerOwner: async (token) => (await lines.storeOf(token).formerOwner(token).catch(() => undefined)) ?? (await repository.findByToken(token))?.userId,
      }),
      upstreams,
      internalToken: config.INTERNAL_TOKEN,
      logger,
      observe,
      onPaid: freeSlotOf,
      onHeld: endWithHold,
      limits: {
        holds: limitOf('hold', config.RATE_LIMIT_HOLDS_PER_USER, config.RATE_LIMIT_ACTION_WINDOW_SECONDS),
        payments: limitOf('payment', config.RATE_LIMIT_PAYMENTS_PER_USER, config.RATE_LIMIT_ACTION_WINDOW_SECONDS),
      },
      onRateLimited: (limit) => queueMetrics(metrics).rateLimitedTotal.inc({ limit }),
    },
    events: {
      lookup: tokenLookup.view,
      lineOf: async (token) => {
        const line = await lineOfToken(site, lines, token);
        return line && { room: line.room, estimate: waitEstimator(config.QUEUE_ACTIVE_TTL_SECONDS, () => line.admissionLimit.limit) };
      },
    },
    ops: {
      operatorToken: config.OPS_TOKEN,
      queueStats: readQueueStats({ store: site.store, admissionLimit: site.admissionLimit, room: site.room, breakerState: tokenLookup.state, lines }),
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
      for (const line of [site, ...lines.open().map((open) => open.line)]) line.room.dismissAll();
      http.closeStreams();
    },
  };
  return { app: http.app, steps, afterServing };
}
