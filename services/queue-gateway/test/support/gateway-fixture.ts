import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from '@jest/globals';
import { call, deleteKeysUnder, filePrefix, openRedis, REDIS_URL, silentLogger, TEST_APP, type CallOptions } from './queue-test-kit';
import { createFallbackDb, type FallbackDb } from './fallback-db';
import { createMetricsRegistry, listen, type Registry, type RunningServer, createUpstream, type Upstream, type UpstreamTimeouts } from '@ticketing/service-kit';
import { createTokenLookup, type BreakerSettings, type BreakerTokenLookup } from '../../src/data-access/fallback/token-lookup';
import { FallbackTokenRepository } from '../../src/data-access/fallback/fallback-token.repository';
import { startFallbackSync, type FallbackSync } from '../../src/data-access/fallback/fallback-sync';
import { RedisQueueStore } from '../../src/data-access/redis-queue/queue.store';
import type { ForwardRoutesDependencies } from '../../src/entry-points/http/forward.routes';
import { wireHttp } from '../../src/wiring';
import { verifyQueueToken } from '../../src/entry-points/http/verify-token';

/*
 * The gateway's verification and forwarding pieces wired as app.ts/main.ts will wire them, around
 * upstream stand-ins that record every request they receive (so tests assert on what reached
 * booking/payment, not only on status codes).
 */

export const INTERNAL_TOKEN = 'gateway-test-internal-token-0123456789';
// One copy of the Redis/logging test helpers, shared with the queue tests.
export { deleteKeysUnder, silentLogger };

/** A store whose waiting users are not dropped for silence during a test. */
export const newStore = (redis: Redis, prefix: string) => new RedisQueueStore(redis, { prefix, abandonAfterMs: 600_000 });

/** The door as main.ts builds it, asking the store directly (no breaker, no fallback) for tests about what lies behind it. */
export const verifyFromRedis = (store: RedisQueueStore) =>
  verifyQueueToken({ lookup: async (token, now) => ({ view: await store.lookup(token, now, { touch: false }), source: 'redis' as const }) });

/** Issues the users' tokens in order and admits them, so each holds an ACTIVE token. */
export async function activeTokens<const T extends readonly string[]>(store: RedisQueueStore, userIds: T): Promise<{ -readonly [K in keyof T]: string }> {
  const tokens: string[] = [];
  for (const userId of userIds) tokens.push((await store.issue(userId, Date.now())).token);
  const now = Date.now();
  await store.admit({ maxActive: 1_000_000, activeTtlMs: 300_000, abandonBefore: now - 600_000, now });
  return tokens as { -readonly [K in keyof T]: string };
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Recorder {
  url: string;
  received: Recorded[];
  close: () => Promise<void>;
}

/** An upstream stand-in: records each request and answers `201 { echoed: … }` with a few headers to filter. */
export async function startRecorder(name: string): Promise<Recorder> {
  const received: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const conflict = req.url?.startsWith('/reservations/conflict') === true;
      res.writeHead(conflict ? 409 : 201, {
        'content-type': 'application/json; charset=utf-8',
        'set-cookie': 'upstream-session=secret',
        'x-upstream-internal': name,
        'retry-after': '7',
      });
      res.end(JSON.stringify(conflict ? { code: 'BOOKING.SEAT_UNAVAILABLE', message: 'taken', correlationId: req.headers['x-request-id'] } : { upstream: name, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface Gateway {
  server: RunningServer;
  lookup: BreakerTokenLookup;
  metrics: Registry;
  upstreams: { booking: Upstream; payment: Upstream };
  close: () => Promise<void>;
}

export interface GatewayOptions {
  store: Pick<RedisQueueStore, 'lookup'>;
  repository: Pick<FallbackTokenRepository, 'findByToken' | 'waitingPosition'>;
  bookingUrl: string;
  paymentUrl: string;
  breaker?: Partial<BreakerSettings>;
  timeouts?: Partial<UpstreamTimeouts>;
  /** Per-user limits of holds and payments, as main.ts sets them (none unless a test is about them). */
  limits?: ForwardRoutesDependencies['limits'];
}

/** Token lookup behind the breaker, verification and forwarding, mounted in service-kit's app on port 0. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = silentLogger();
  const metrics = createMetricsRegistry('queue-gateway-test');
  const lookup = createTokenLookup({
    store: options.store,
    repository: options.repository,
    breaker: { timeoutMs: 500, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 2_000, ...options.breaker },
    metrics,
    logger,
  });
  const upstreams = {
    booking: createUpstream({ name: 'booking', url: options.bookingUrl, timeouts: options.timeouts }),
    payment: createUpstream({ name: 'payment', url: options.paymentUrl, timeouts: options.timeouts }),
  };
  const { app } = wireHttp({
    ...TEST_APP,
    metrics,
    forward: { verify: verifyQueueToken({ lookup: lookup.lookup }), upstreams, internalToken: INTERNAL_TOKEN, logger, limits: options.limits },
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    server,
    lookup,
    metrics,
    upstreams,
    close: async () => {
      await server.close();
      await Promise.all([upstreams.booking.close(), upstreams.payment.close()]);
      lookup.close();
    },
  };
}

/** A call through the gateway (GET unless told otherwise). */
export const through = (gateway: Gateway, path: string, options: CallOptions & { method?: string } = {}) => call(gateway.server, options.method ?? 'GET', path, options);

export interface GatewayRig {
  readonly prefix: string;
  readonly redis: Redis;
  readonly db: FallbackDb;
  readonly store: RedisQueueStore;
  readonly repository: FallbackTokenRepository;
  /** The Redis → Postgres copy every 100 ms, when the rig was asked for it. */
  readonly sync: FallbackSync;
  readonly booking: Recorder;
  readonly payment: Recorder;
  readonly gateway: Gateway;
}

export interface GatewayRigOptions {
  /** Names the file's throwaway fallback schema. */
  schema: string;
  /** The Redis to use, read in beforeAll (a file that owns a redis-server starts it in an earlier hook). */
  redisUrl?: () => string;
  /** Keep the Postgres copy current, as main.ts does. */
  sync?: boolean;
  /** More gateway settings (breaker, limits), given the connected Redis and the file's key prefix. */
  gateway?: (parts: { redis: Redis; prefix: string }) => Partial<GatewayOptions>;
}

/**
 * The set-up the gateway's door tests share, as a rig: a fail-fast Redis client under a key prefix of this
 * file, a throwaway fallback schema, booking and payment stand-ins and the gateway in front of them,
 * started before the file's tests and taken down after them. Its parts may be read inside tests and hooks.
 */
export function gatewayRig(options: GatewayRigOptions): GatewayRig {
  const prefix = filePrefix().base;
  let parts: Omit<GatewayRig, 'prefix' | 'sync'> & { sync?: FallbackSync } | undefined;
  beforeAll(async () => {
    const redis = await openRedis(options.redisUrl?.() ?? REDIS_URL, { failFast: true });
    const db = await createFallbackDb(options.schema);
    const store = newStore(redis, prefix);
    const repository = new FallbackTokenRepository(db.prisma);
    const sync = options.sync
      ? startFallbackSync({ redis, prefix, repository, snapshot: (at) => store.snapshot(at), intervalMs: 100, logger: silentLogger() })
      : undefined;
    const [booking, payment] = await Promise.all([startRecorder('booking'), startRecorder('payment')]);
    const gateway = await startGateway({ store, repository, bookingUrl: booking.url, paymentUrl: payment.url, ...options.gateway?.({ redis, prefix }) });
    parts = { redis, db, store, repository, sync, booking, payment, gateway };
  }, 60_000);
  afterAll(async () => {
    if (!parts) return;
    const { redis, db, sync, booking, payment, gateway } = parts;
    await sync?.close();
    await gateway.close();
    await Promise.all([booking.close(), payment.close()]);
    if (redis.status === 'ready') await deleteKeysUnder(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await db.drop();
  });
  const part = <K extends keyof GatewayRig>(key: K): NonNullable<GatewayRig[K]> => {
    const value = key === 'prefix' ? prefix : parts?.[key as Exclude<K, 'prefix'>];
    if (value === undefined) throw new Error(`gatewayRig().${key} is ready in beforeAll${key === 'sync' ? ' of a rig asked for a sync' : ''}: read it inside tests and hooks`);
    return value as NonNullable<GatewayRig[K]>;
  };
  return {
    prefix,
    get redis() { return part('redis'); },
    get db() { return part('db'); },
    get store() { return part('store'); },
    get repository() { return part('repository'); },
    get sync() { return part('sync'); },
    get booking() { return part('booking'); },
    get payment() { return part('payment'); },
    get gateway() { return part('gateway'); },
  };
}
