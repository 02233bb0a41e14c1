import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from '@jest/globals';
import { logLines } from '@ticketing/devstack/testing';
import { createLogger, createMetricsRegistry, DEV_CREDENTIALS, listen, type Logger, type Registry, type RunningServer } from '@ticketing/service-kit';
import { RedisQueueStore } from '../../src/data-access/redis-queue/queue.store';
import type { AdmissionLimit } from '../../src/domain/admission-limit';
import type { TokenLookup } from '../../src/domain/queue-token';
import { waitEstimator } from '../../src/domain/wait-estimate';
import { parseTokenChanges, type TokenChange } from '../../src/domain/token-change';
import type { QueueEventsTiming } from '../../src/entry-points/http/queue-events.routes';
import { wireHttp } from '../../src/wiring';
import { admissionLimitOf, type AdmissionConfig } from '../../src/entry-points/jobs/admission.job';
import { presenceInterval, startWaitingRoom, type RunningWaitingRoom } from '../../src/entry-points/jobs/waiting-room.job';

/*
 * Test kit for the queue: the real project Redis, isolated by a random key prefix per test file (and a
 * suffix per test), and the real routes mounted in service-kit's app on port 0.
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';
/** The broker `npm test` started. */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export const silentLogger = (): Logger => createLogger({ service: 'queue-gateway-test', level: 'silent' });

/** A logger whose lines (one JSON object each, as written) are kept in `lines`, for tests that read the logs. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const { destination, lines } = logLines();
  return { logger: createLogger({ service: 'queue-gateway-test', level, destination }), lines };
}

/**
 * A client that is connected before the test uses it (the service's clients fail fast while connecting).
 * `failFast`: the service's settings (no offline queue, one retry), for tests that take Redis away.
 */
export async function openRedis(url = REDIS_URL, options: { failFast?: boolean } = {}): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, ...(options.failFast && { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 100 }) });
  await redis.connect();
  return redis;
}

/** `test:qg:<uuid>:` as `base`; `next()` gives a sub-prefix per test. */
export function filePrefix(): { base: string; next: () => string } {
  const base = `test:qg:${randomUUID()}:`;
  let n = 0;
  return { base, next: () => `${base}${++n}:` };
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
}

/**
 * This test file's Redis and key prefixes, as a rig: the client connects before the file's tests and the
 * file's keys are deleted after them. `redis` may be read inside tests and hooks.
 */
export function fileRedis(): { readonly redis: Redis; prefixes: ReturnType<typeof filePrefix> } {
  const prefixes = filePrefix();
  let client: Redis | undefined;
  beforeAll(async () => {
    client = await openRedis();
  });
  afterAll(async () => {
    if (!client) return;
    await deleteKeysUnder(client, prefixes.base);
    await client.quit();
  });
  return {
    prefixes,
    get redis() {
      if (!client) throw new Error('fileRedis().redis is connected in beforeAll: read it inside tests and hooks');
      return client;
    },
  };
}

/** What every test app shares: a silent logger, no readiness checks, the development operator credential. */
export const TEST_APP = { logger: silentLogger(), readiness: [], operatorToken: DEV_CREDENTIALS.OPS_TOKEN, trustProxy: ['loopback'] } as const;

/** A fixed limit unless a test asks for the adaptive one. */
export const defaultConfig = (prefix: string, overrides: Partial<AdmissionConfig> = {}): AdmissionConfig => ({
  QUEUE_KEY_PREFIX: prefix,
  QUEUE_MAX_ACTIVE: 100,
  QUEUE_ACTIVE_TTL_SECONDS: 300,
  QUEUE_ADMISSION_INTERVAL_MS: 1_000,
  QUEUE_ABANDON_AFTER_SECONDS: 60,
  QUEUE_LIMIT_MODE: 'fixed',
  QUEUE_LIMIT_MIN: 1,
  QUEUE_LIMIT_MAX: 1_000,
  QUEUE_LIMIT_TARGET_P95_MS: 300,
  QUEUE_LIMIT_STEP: 10,
  QUEUE_LIMIT_INTERVAL_MS: 1_000,
  ...overrides,
});

export interface QueueApp {
  store: RedisQueueStore;
  server: RunningServer;
  config: AdmissionConfig;
  metrics: Registry;
  waiting: RunningWaitingRoom;
  close: () => Promise<void>;
}

/**
 * The store and the real queue routes (with the waiting room on the queue's feed and the event stream),
 * listening on a free port; the breaker is reported as CLOSED. `onSlotFreed` is what a leave calls.
 */
export async function startQueueApp(
  redis: Redis,
  config: AdmissionConfig,
  options: { onSlotFreed?: () => void; admissionLimit?: AdmissionLimit; eventTiming?: Partial<QueueEventsTiming>; presenceEveryMs?: number } = {},
): Promise<QueueApp> {
  const store = new RedisQueueStore(redis, { prefix: config.QUEUE_KEY_PREFIX, abandonAfterMs: config.QUEUE_ABANDON_AFTER_SECONDS * 1_000 });
  const metrics = createMetricsRegistry('queue-gateway-test');
  const lookup: TokenLookup = (token, now, lookupOptions) => store.lookup(token, now, lookupOptions);
  const admissionLimit = options.admissionLimit ?? admissionLimitOf(config);
  const waiting = startWaitingRoom({ redis, store, presenceEveryMs: options.presenceEveryMs ?? presenceInterval(config.QUEUE_ABANDON_AFTER_SECONDS), logger: silentLogger() });
  const http = wireHttp({
    ...TEST_APP,
    metrics,
    queue: { store, lookup, config, breakerState: () => 'CLOSED', metrics, room: waiting.room, admissionLimit, onSlotFreed: options.onSlotFreed },
    events: {
      lookup,
      lineOf: async () => ({ room: waiting.room, estimate: waitEstimator(config.QUEUE_ACTIVE_TTL_SECONDS, () => admissionLimit.limit) }),
      timing: options.eventTiming,
    },
  });
  const server = await listen(http.app, 0, '127.0.0.1');
  return {
    store,
    server,
    config,
    metrics,
    waiting,
    close: async () => {
      waiting.room.dismissAll();
      http.closeStreams();
      await server.close();
      await waiting.close();
    },
  };
}

export interface CallOptions {
  /** JSON, or a raw string to send malformed JSON. */
  body?: unknown;
  /** Sent as X-Queue-Token. */
  token?: string;
  headers?: Record<string, string>;
}

/** One HTTP call to a test server: the body comes back parsed when it is JSON, as text otherwise. */
export async function call(server: { url: string }, method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers['x-queue-token'] = options.token;
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let body: unknown = text === '' ? undefined : text;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

/** Every change in the `changes` stream, in order, read as the fallback sync reads them. */
export async function changes(redis: Redis, prefix: string): Promise<TokenChange[]> {
  const entries = await redis.xrange(`${prefix}changes`, '-', '+');
  return entries.flatMap(([id, fields]) =>
    parseTokenChanges(fields).map((change) => {
      if (!change) throw new Error(`stream entry ${id} holds a change that cannot be read: ${fields.join(' ')}`);
      return change;
    }),
  );
}
