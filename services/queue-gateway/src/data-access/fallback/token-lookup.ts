import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';
import { withTimeout, type Logger } from '@ticketing/service-kit';
import { viewFromFallback, type FallbackTokenRecord } from '../../domain/fallback-token';
import type { LookupOptions, TokenLookup, TokenView } from '../../domain/queue-token';

/** The breaker's state, as `GET /queue/stats` and the metrics report it. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Where an answer came from: Redis, or the Postgres copy while Redis fails or the breaker is open. */
export type LookupSource = 'redis' | 'postgres';

export interface LookupResult {
  /** The live token, or undefined when it is unknown or expired (a normal answer, not a failure). */
  view: TokenView | undefined;
  source: LookupSource;
}

/** Breaker settings, from BREAKER_* in the config. */
export interface BreakerSettings {
  timeoutMs: number;
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
}

export interface TokenLookupDependencies {
  /** The Redis store (RedisQueueStore). */
  store: { lookup(token: string, now: number, options: LookupOptions): Promise<TokenView | undefined> };
  /** The Postgres copy (FallbackTokenRepository). */
  repository: {
    findByToken(token: string): Promise<FallbackTokenRecord | undefined>;
    waitingPosition(record: Pick<FallbackTokenRecord, 'issuedAt'>): Promise<number>;
  };
  breaker: BreakerSettings;
  /**
   * The Redis connection the store uses (an ioredis client). When it drops, the breaker opens at once
   * instead of waiting for failures to outweigh the successes still in its rolling window (seconds of
   * doomed Redis attempts); the error rate still trips it for a Redis that is connected but failing.
   */
  connection?: { on(event: 'close', listener: () => void): unknown };
  /** Waiting users' status polls answered from Postgres at once (default 4; keep it under the pool size). */
  pollReadsAtOnce?: number;
  /** The service's registry: the breaker state gauge and the fallback counter are registered here. */
  metrics: Registry;
  logger: Logger;
}

/** Token verification that survives a Redis outage. */
export interface BreakerTokenLookup {
  /** Redis through the breaker; Postgres when Redis fails, times out or the breaker is open. Rejects only when both fail. */
  lookup(token: string, now: number, options?: LookupOptions): Promise<LookupResult>;
  /** The same lookup in the shape the queue routes take (`GET /queue/tokens/me`). */
  readonly view: TokenLookup;
  state(): BreakerState;
  /** Stops the breaker's timers; later lookups reject. Safe to call twice. */
  close(): void;
}

const STATES: readonly BreakerState[] = ['closed', 'open', 'halfOpen'];
/** How long a token unknown to both stores is answered as unknown without asking either again. */
const MISS_TTL_MS = 2_000;
const MISSES_KEPT = 100_000;
/** Redis re-asks from the fallback in flight at once (see the fallback below). */
const RETRIES_AT_ONCE = 16;

/** Why an answer came from Postgres, from opossum's error codes (a label of the fallback counter). */
function fallbackReason(error: unknown): 'open' | 'timeout' | 'error' {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'EOPENBREAKER') return 'open';
  return code === 'ETIMEDOUT' ? 'timeout' : 'error';
}

/**
 * Wraps the Redis token lookup in an opossum circuit breaker with the Postgres copy as its fallback.
 * While the breaker is closed every call goes to Redis and a failed or slow one is answered from
 * Postgres; once failures pass the threshold the breaker opens and calls go straight to Postgres (no
 * waiting on a dead Redis) until a trial call after `resetTimeoutMs` succeeds.
 */
export function createTokenLookup(deps: TokenLookupDependencies): BreakerTokenLookup {
  const logger = deps.logger.child({ component: 'token-breaker' });
  const breaker = new CircuitBreaker(
    async (token: string, now: number, options: LookupOptions): Promise<LookupResult> => ({
      view: await deps.store.lookup(token, now, options),
      source: 'redis',
    }),
    {
      name: 'redis-token-lookup',
      timeout: deps.breaker.timeoutMs,
      errorThresholdPercentage: deps.breaker.errorThresholdPercentage,
      volumeThreshold: deps.breaker.volumeThreshold,
      resetTimeout: deps.breaker.resetTimeoutMs,
    },
  );
  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed');

  const fallbacks = new Counter({
    name: 'queue_token_fallbacks_total',
    help: 'Token checks answered from the Postgres copy, by why Redis did not answer',
    labelNames: ['reason'] as const,
    registers: [deps.metrics],
  });
  new Gauge({
    name: 'queue_token_breaker_state',
    help: 'State of the circuit breaker around Redis token checks (1 for the current state)',
    labelNames: ['state'] as const,
    registers: [deps.metrics],
    collect() {
      const current = state();
      for (const s of STATES) this.set({ state: s }, s === current ? 1 : 0);
    },
  });

  // Tokens neither Postgres nor Redis knew, for a moment: junk or stale tokens sent again and again
  // during an outage cost one lookup per MISS_TTL_MS, not a query and a Redis retry every time.
  const misses = new LRUCache<string, true>({ max: MISSES_KEPT, ttl: MISS_TTL_MS });
  let retrying = 0;

  // Waiting users' status polls share a few of the pool's connections, so that however many wait, the
  // token checks of active users (who are buying) always find one free: beyond the share a poll is
  // refused at once (503 with Retry-After for that waiter) instead of queueing for the pool.
  const pollShare = deps.pollReadsAtOnce ?? 4;
  let pollsReading = 0;

  breaker.fallback(async (token: string, now: number, options: LookupOptions, error: unknown): Promise<LookupResult> => {
    fallbacks.inc({ reason: fallbackReason(error) });
    if (misses.has(token)) return { view: undefined, source: 'postgres' };
    if (!options.touch) return fromCopy(token, now, options);
    if (pollsReading >= pollShare) throw new Error('the Postgres fallback is busy with other waiting users; poll again shortly');
    pollsReading += 1;
    try {
      return await fromCopy(token, now, options);
    } finally {
      pollsReading -= 1;
    }
  });

  const fromCopy = async (token: string, now: number, options: LookupOptions): Promise<LookupResult> => {
    const record = await deps.repository.findByToken(token);
    // The copy lags Redis by the sync interval, so a token it does not know may simply be new (e.g.
    // issued just before an outage, or while the open breaker has not yet noticed Redis is back), and a
    // token it still has WAITING at a protected route was most likely just admitted (the push told its
    // holder so at once; seen under CPU starvation, when Redis answers arrive past the breaker's
    // timeout): ask Redis itself once, bounded by that timeout, before refusing with a 401 or a 403.
    // Status polls of waiting users (touch) are not among them: they would hit a struggling Redis twice.
    // At most RETRIES_AT_ONCE such asks are in flight, so a flood of unknown tokens cannot pile onto it.
    if ((!record || (record.status === 'WAITING' && !options.touch)) && retrying < RETRIES_AT_ONCE) {
      retrying += 1;
      const live = await withTimeout(deps.store.lookup(token, now, options), deps.breaker.timeoutMs, `no answer within ${deps.breaker.timeoutMs} ms`)
        .catch(() => 'unavailable' as const)
        .finally(() => (retrying -= 1));
      if (live !== 'unavailable') {
        if (!live && !record) misses.set(token, true);
        return { view: live, source: 'redis' };
      }
    }
    if (!record) misses.set(token, true);
    // Ranking the line costs a count over the waiting rows: only the status poll shows a position.
    const position = record?.status === 'WAITING' && options.touch ? await deps.repository.waitingPosition(record) : 1;
    return { view: viewFromFallback(record, now, position), source: 'postgres' };
  };
  deps.connection?.on('close', () => {
    if (!breaker.isShutdown && !breaker.opened) breaker.open();
  });
  breaker.on('open', () => logger.warn('token breaker opened: answering token checks from Postgres'));
  breaker.on('halfOpen', () => logger.info('token breaker half-open: trying Redis again'));
  breaker.on('close', () => logger.info('token breaker closed: answering token checks from Redis'));

  const lookup = (token: string, now: number, options: LookupOptions = { touch: false }) => breaker.fire(token, now, options);
  return {
    lookup,
    view: async (token, now, options) => (await lookup(token, now, options)).view,
    state,
    close: () => {
      if (!breaker.isShutdown) breaker.shutdown();
    },
  };
}
