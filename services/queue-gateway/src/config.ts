import { z } from 'zod';
import { baseEnvSchema, connectionEnv, env, isPublishedSample, parseEnv, withCredentials, type RedisTarget } from '@ticketing/service-kit';

export const configSchema = withCredentials(
  baseEnvSchema(8080)
    .extend({
      // The fallback answers token checks while Redis is down: a statement slower than this is a fault.
      ...connectionEnv.database('queue_gateway', { statementTimeoutMs: 2_000 }),
      REDIS_URL: connectionEnv.REDIS_URL(),
      /** A Redis Cluster to keep the lines on instead of REDIS_URL (every line's keys carry its own hash tag). */
      REDIS_CLUSTER_NODES: connectionEnv.REDIS_CLUSTER_NODES(),
      KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
      /** The consumer group of the PaymentCompleted consumer; every gateway instance shares it. */
      KAFKA_GROUP_ID: env.string('queue-gateway'),
      INTERNAL_TOKEN: connectionEnv.credential(),
      /** Operators' and Prometheus' credential (`Authorization: Bearer`): /metrics and the checks of /health/ready need it. */
      OPS_TOKEN: connectionEnv.credential(),
      /** The proxies (load balancers) whose X-Forwarded-For names the client; see README "Behind a load balancer". */
      TRUST_PROXY: env.trustedProxies('loopback'),
      BOOKING_URL: env.url('http://127.0.0.1:8081'),
      PAYMENT_URL: env.url('http://127.0.0.1:8082'),
      /** The sink, read only by the operator dashboard (its consumer lag and dead letters). */
      SINK_URL: env.url('http://127.0.0.1:8083'),
      /** Gateway processes sharing the port (node:cluster; main.ts reads it before the config is loaded, the check is here). */
      GATEWAY_PROCESSES: env.int(1, 1),
      /** Every Redis key of the queue starts with this, so tests (and several queues) never collide. */
      QUEUE_KEY_PREFIX: env.string('queue:').refine((value) => !/[{}]/.test(value), 'must not contain { or }: each line adds its own Redis Cluster hash tag'),
      /**
       * Users allowed past the queue at the same time: the starting point of the adaptive limit, or the
       * limit itself with QUEUE_LIMIT_MODE=fixed.
       */
      QUEUE_MAX_ACTIVE: env.int(100, 1),
      /** `adaptive`: the limit rises while booking and payment answer fast, and falls when they slow down or fail. */
      QUEUE_LIMIT_MODE: z.enum(['adaptive', 'fixed']).default('adaptive'),
      QUEUE_LIMIT_MIN: env.int(10, 1),
      QUEUE_LIMIT_MAX: env.int(1_000, 1),
      /** Backend p95 latency (as the gateway sees it) under which the limit may rise. */
      QUEUE_LIMIT_TARGET_P95_MS: env.int(300, 1),
      /** Added to the limit per healthy interval. */
      QUEUE_LIMIT_STEP: env.int(10, 1),
      /** How often the adaptive limit looks at the latest backend calls and moves. */
      QUEUE_LIMIT_INTERVAL_MS: env.int(1_000, 100),
      /** How long an admitted user stays active (their slot frees itself after this). */
      QUEUE_ACTIVE_TTL_SECONDS: env.int(300, 1),
      /** How often the admitter moves users from the waiting line to the active set. */
      QUEUE_ADMISSION_INTERVAL_MS: env.int(1_000, 50),
      /** A waiting user who has not polled for this long loses their place. */
      QUEUE_ABANDON_AFTER_SECONDS: env.int(60, 1),
      /** How often queue changes are copied from Redis into the Postgres fallback table. */
      FALLBACK_SYNC_INTERVAL_MS: env.int(500, 50),
      /** Circuit breaker around Redis token checks. */
      BREAKER_TIMEOUT_MS: env.int(500, 10),
      BREAKER_ERROR_THRESHOLD_PERCENT: env.int(50, 1),
      BREAKER_VOLUME_THRESHOLD: env.int(5, 1),
      BREAKER_RESET_TIMEOUT_MS: env.int(2_000, 100),
      // AUTH_MODE (service-kit's base settings) also says who a token is issued to. `jwt`, the default: the
      // subject of a verified `Authorization: Bearer` JWT. `dev`: the body's `userId`, trusted as sent
      // (npm start, the tests, the load test ask for it); refused in production, warned about at every start.
      /** HS256 shared secret (at least 32 characters, i.e. 256 bits); or AUTH_JWKS_URL, exactly one of the two. */
      AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
      /** Where the identity provider publishes its public keys (RS/PS/ES/EdDSA JWTs). */
      AUTH_JWKS_URL: z.url().optional(),
      /** When set, the JWT's `iss` / `aud` must match; required with NODE_ENV=production. */
      AUTH_JWT_ISSUER: z.string().min(1).optional(),
      AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
      /** Token issues allowed per user in a window of RATE_LIMIT_USER_WINDOW_SECONDS; 0 turns the limit off. */
      RATE_LIMIT_PER_USER: env.int(10, 0),
      RATE_LIMIT_USER_WINDOW_SECONDS: env.int(10, 1),
      /**
       * Token issues allowed per client address in a window of RATE_LIMIT_ADDRESS_WINDOW_SECONDS; 0 turns
       * it off. Generous on purpose: carriers and offices put thousands of fans behind one address in a
       * rush, and the load test sends 10,000 users from 127.0.0.1.
       */
      RATE_LIMIT_PER_ADDRESS: env.int(20_000, 0),
      RATE_LIMIT_ADDRESS_WINDOW_SECONDS: env.int(60, 1),
      /**
       * Seat holds (`POST /reservations`) and payments (`POST /payments`) allowed per user in a window of
       * RATE_LIMIT_ACTION_WINDOW_SECONDS; 0 turns each off. A fan choosing seats by hand stays far below.
       */
      RATE_LIMIT_HOLDS_PER_USER: env.int(10, 0),
      RATE_LIMIT_PAYMENTS_PER_USER: env.int(10, 0),
      RATE_LIMIT_ACTION_WINDOW_SECONDS: env.int(10, 1),
    })
    .superRefine(requireJwtSettings)
    .superRefine(orderedLimits),
  ['INTERNAL_TOKEN', 'OPS_TOKEN'],
);

/** The adaptive limit starts between its floor and its ceiling. */
function orderedLimits(config: { QUEUE_LIMIT_MIN: number; QUEUE_LIMIT_MAX: number; QUEUE_MAX_ACTIVE: number; QUEUE_LIMIT_MODE: string }, ctx: z.RefinementCtx): void {
  if (config.QUEUE_LIMIT_MODE !== 'adaptive') return;
  if (!(config.QUEUE_LIMIT_MIN <= config.QUEUE_MAX_ACTIVE && config.QUEUE_MAX_ACTIVE <= config.QUEUE_LIMIT_MAX)) {
    ctx.addIssue({ code: 'custom', path: ['QUEUE_MAX_ACTIVE'], message: 'with QUEUE_LIMIT_MODE=adaptive it must lie between QUEUE_LIMIT_MIN and QUEUE_LIMIT_MAX' });
  }
}

/**
 * Cross-field rules of the identity settings: jwt mode needs one key source, a secret of its own, and in
 * production the issuer and audience it must check (a token minted for another service must not pass).
 */
function requireJwtSettings(
  config: { NODE_ENV: string; AUTH_MODE: string; AUTH_JWT_SECRET?: string; AUTH_JWKS_URL?: string; AUTH_JWT_ISSUER?: string; AUTH_JWT_AUDIENCE?: string },
  ctx: z.RefinementCtx,
): void {
  if (config.AUTH_MODE !== 'jwt') return;
  const sources = [config.AUTH_JWT_SECRET, config.AUTH_JWKS_URL].filter((value) => value !== undefined).length;
  if (sources !== 1) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'AUTH_MODE=jwt needs exactly one of AUTH_JWT_SECRET and AUTH_JWKS_URL' });
  }
  if (config.AUTH_JWT_SECRET !== undefined && isPublishedSample(config.AUTH_JWT_SECRET)) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'is a sample value published in this repository; set a secret of your own' });
  }
  if (config.NODE_ENV !== 'production') return;
  for (const name of ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const) {
    if (config[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
  }
}

export type GatewayConfig = z.infer<typeof configSchema>;

/** The Redis the lines live on: REDIS_URL, or the cluster REDIS_CLUSTER_NODES names. */
export const redisTargetOf = (config: Pick<GatewayConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>): RedisTarget => ({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES });

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig => parseEnv(configSchema, source);
