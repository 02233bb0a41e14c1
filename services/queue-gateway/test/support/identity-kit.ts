import type { Redis } from 'ioredis';
import { SignJWT, type JWTPayload } from 'jose';
import { createMetricsRegistry, listen, type Logger, type Registry, type RunningServer, createUpstream } from '@ticketing/service-kit';
import { RedisQueueStore } from '../../src/data-access/redis-queue/queue.store';
import { fixedAdmissionLimit } from '../../src/domain/admission-limit';
import { WaitingRoom } from '../../src/domain/waiting-room';
import type { CallerIdentifier } from '../../src/entry-points/http/caller-identity';
import type { QueueRoutesDependencies } from '../../src/entry-points/http/queue.routes';
import { wireHttp } from '../../src/wiring';
import { INTERNAL_TOKEN, verifyFromRedis } from './gateway-fixture';
import { call, silentLogger, TEST_APP, type CallOptions } from './queue-test-kit';

/*
 * The gateway's public door as main.ts wires it: the queue routes with a caller identifier and rate
 * limits, and the protected routes forwarded to an upstream stand-in, over the real Redis.
 */

export const JWT_SECRET = 'gateway-test-jwt-secret-0123456789abcdef';

export interface SignOptions {
  secret?: string;
  /** `exp` as seconds since the epoch; 5 minutes from now by default. */
  expiresAt?: number;
  issuer?: string;
  audience?: string;
}

/** An HS256 JWT for `sub` (undefined leaves `sub` out), signed with the test secret unless told otherwise. */
export function signJwt(sub: string | undefined, options: SignOptions = {}, claims: JWTPayload = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(options.expiresAt ?? '5m');
  if (sub !== undefined) jwt.setSubject(sub);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

export interface DoorOptions {
  redis: Redis;
  prefix: string;
  identify: CallerIdentifier;
  issueLimits?: QueueRoutesDependencies['issueLimits'];
  /** Where protected calls go (a recorder); both booking and payment. */
  upstreamUrl: string;
  logger?: Logger;
}

export interface Door {
  server: RunningServer;
  store: RedisQueueStore;
  metrics: Registry;
  close: () => Promise<void>;
}

export async function startDoor(options: DoorOptions): Promise<Door> {
  const logger = options.logger ?? silentLogger();
  const metrics = createMetricsRegistry('queue-gateway-test');
  const store = new RedisQueueStore(options.redis, { prefix: options.prefix, abandonAfterMs: 600_000 });
  const upstream = createUpstream({ name: 'booking', url: options.upstreamUrl });
  const { app } = wireHttp({
    ...TEST_APP,
    logger,
    metrics,
    queue: {
    store,
    lookup: (token, now, lookupOptions) => store.lookup(token, now, lookupOptions),
    config: { QUEUE_ACTIVE_TTL_SECONDS: 300 },
    room: new WaitingRoom(),
    admissionLimit: fixedAdmissionLimit(100),
    breakerState: () => 'closed',
    metrics,
    identify: options.identify,
    issueLimits: options.issueLimits,
    },
    forward: { verify: verifyFromRedis(store), upstreams: { booking: upstream, payment: upstream }, internalToken: INTERNAL_TOKEN, logger },
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    server,
    store,
    metrics,
    close: async () => {
      await server.close();
      await upstream.close();
    },
  };
}

/** A call to the door. */
export const send = (door: Door, method: string, path: string, options: CallOptions = {}) => call(door.server, method, path, options);

export const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
