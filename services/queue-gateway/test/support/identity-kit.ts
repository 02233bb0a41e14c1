import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from '@jest/globals';
import { SignJWT, type JWTPayload } from 'jose';
import { createMetricsRegistry, listen, type Logger, type Registry, type RunningServer, createUpstream } from '@ticketing/service-kit';
import { RedisQueueStore } from '../../src/data-access/redis-queue/queue.store';
import { fixedAdmissionLimit } from '../../src/domain/admission-limit';
import { WaitingRoom } from '../../src/domain/waiting-room';
import type { CallerIdentifier } from '../../src/entry-points/http/caller-identity';
import type { QueueRoutesDependencies } from '../../src/entry-points/http/queue.routes';
import { wireHttp } from '../../src/wiring';
import { INTERNAL_TOKEN, startRecorder, verifyFromRedis, type Recorder } from './gateway-fixture';
import { call, fileRedis, silentLogger, TEST_APP, type CallOptions } from './queue-test-kit';

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

export interface DoorRig {
  /** This file's Redis (connected in beforeAll). */
  readonly redis: Redis;
  /** The booking/payment stand-in every door forwards to. */
  readonly upstream: Recorder;
  /** This file's key prefixes (a door takes the next one unless given one). */
  readonly prefixes: ReturnType<typeof fileRedis>['prefixes'];
  /** A door on this file's Redis under a key prefix of its own (returned with it), closed after the file's tests. */
  open: (options: Omit<DoorOptions, 'redis' | 'prefix' | 'upstreamUrl'> & { prefix?: string }) => Promise<{ door: Door; prefix: string }>;
}

/** What the door tests share: the file's Redis and key prefixes, one upstream stand-in, doors opened on demand. */
export function doorRig(): DoorRig {
  const file = fileRedis();
  const doors: Door[] = [];
  let upstream: Recorder | undefined;
  beforeAll(async () => {
    upstream = await startRecorder('booking');
  });
  afterAll(async () => {
    await Promise.all(doors.splice(0).map((door) => door.close()));
    await upstream?.close();
  });
  const started = () => {
    if (!upstream) throw new Error('doorRig().upstream is started in beforeAll: read it inside tests and hooks');
    return upstream;
  };
  return {
    get redis() {
      return file.redis;
    },
    get upstream() {
      return started();
    },
    prefixes: file.prefixes,
    open: async ({ prefix = file.prefixes.next(), ...options }) => {
      const door = await startDoor({ ...options, redis: file.redis, prefix, upstreamUrl: started().url });
      doors.push(door);
      return { door, prefix };
    },
  };
}
