import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { call, deleteKeysUnder, silentLogger, TEST_APP, type CallOptions } from './queue-test-kit';
import { createMetricsRegistry, listen, type Registry, type RunningServer, createUpstream, type Upstream, type UpstreamTimeouts } from '@ticketing/service-kit';
import { createTokenLookup, type BreakerSettings, type BreakerTokenLookup } from '../../src/data-access/fallback/token-lookup';
import type { FallbackTokenRepository } from '../../src/data-access/fallback/fallback-token.repository';
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
