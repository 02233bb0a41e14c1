import { hostname } from 'node:os';
import { repeatEvery, type Logger, type RedisClient } from '@ticketing/service-kit';
import { parseTokenChanges, type TokenChange } from '../../domain/token-change';
import { ChangeStreamReader } from '../redis-queue/change-stream';
import type { StreamEntry } from '../redis-queue/stream-reply';

/*
 * Copies the queue's change stream (`<prefix>changes`, appended by the queue's Lua scripts in the same
 * atomic step as each state change) into the Postgres fallback table, off the request path: a token
 * issue costs one Redis round trip and never waits for Postgres.
 *
 * HOW STALE THE TABLE CAN BE (≈ interval + batch time): while Redis and Postgres are up, a change
 * reaches `queue_tokens` within one FALLBACK_SYNC_INTERVAL_MS (default 500 ms) plus the time to write its
 * batch: a few ms for the few dozen changes of a normal tick, ~110–150 ms for a full batch of 1,000
 * (measured on a developer machine), so at most ≈ 0.65 s. Full batches are read back to back, so one
 * instance drains ~7,000–9,000 changes/s; a rush issuing tokens faster than that builds a backlog that
 * drains right after (several gateway instances share the work). Once Redis itself is down, what was
 * still in the stream cannot be copied: the table shows each token as it was up to that long before
 * the outage (e.g. a slot granted in the last ~0.5 s is not yet known to the fallback). While Postgres
 * is down the changes wait in the stream (pending) and the table catches up when it returns.
 */

export { FALLBACK_SYNC_GROUP } from '../redis-queue/change-stream';

export interface FallbackSyncOptions {
  /** A non-blocking client (commands fail fast while Redis is down; nothing here blocks a connection). */
  redis: RedisClient;
  /** QUEUE_KEY_PREFIX: the stream is `${prefix}changes`. */
  prefix: string;
  repository: {
    upsertChanges(changes: readonly TokenChange[]): Promise<number>;
    resync(live: readonly TokenChange[], at: number, line?: { tokenPrefix: string }): Promise<{ written: number; expired: number }>;
    prune(before: number): Promise<number>;
  };
  /** Every token Redis holds as of `at` (RedisQueueStore.snapshot): the full resync after lost changes. */
  snapshot(at: number): Promise<TokenChange[]>;
  /** What the line's tokens start with (domain/queue-line.ts): a resync touches that line's rows only. */
  tokenPrefix?: string;
  /** How long rows of ended tokens are kept (default 1 h), and how often older ones are pruned (default 60 s). */
  retentionMs?: number;
  pruneEveryMs?: number;
  /** FALLBACK_SYNC_INTERVAL_MS: the pause between polls once the stream is drained. */
  intervalMs: number;
  logger: Logger;
  /** This instance's name in the group; hostname + pid by default, unique per process. */
  consumer?: string;
  /** Stream entries per read (default 100); an entry holds one script run's changes, at most 1,000. */
  batchSize?: number;
  /** The most entries the stream keeps (default 1,000,000); beyond it the oldest are dropped and the copy rebuilt. */
  streamCap?: number;
  /** Entries another consumer has held unacknowledged this long are taken over (it is presumed dead). */
  claimIdleMs?: number;
}

/** The running copier. */
export interface FallbackSync {
  /** Copies everything currently in the stream now (waits for a running pass first); returns the count. */
  flush(): Promise<number>;
  /** Stops polling and waits for a pass in flight. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts copying at once and then every `intervalMs`. Failures are logged once per outage and retried. */
export function startFallbackSync(options: FallbackSyncOptions): FallbackSync {
  const { redis, repository, intervalMs } = options;
  const logger = options.logger.child({ component: 'fallback-sync' });
  const batchSize = options.batchSize ?? 100;
  const reader = new ChangeStreamReader({
    redis,
    stream: `${options.prefix}changes`,
    consumer: options.consumer ?? `${hostname()}-${process.pid}`,
    batchSize,
    claimIdleMs: options.claimIdleMs ?? Math.max(30_000, 20 * intervalMs),
    logger,
  });
  // Until the shared client first connects, a failing pass is start-up, not an outage: not worth a warning.
  let connectedOnce = redis.status === 'ready';
  if (!connectedOnce) redis.once('ready', () => (connectedOnce = true));
  /** Which dependency the last pass failed on, so an outage is logged once, not once per tick. */
  let failing: 'redis' | 'postgres' | undefined;
  let step: 'redis' | 'postgres' = 'redis';
  let closed = false;
  // Passes run one after another through this chain: the timer and flush() never read the same
  // pending entries twice at once.
  let chain: Promise<unknown> = Promise.resolve();

  /** Set when a pending entry came back without its fields: the stream's cap trimmed it before it was copied. */
  let lostPending = false;
  const apply = async (entries: StreamEntry[]) => {
    const changes: TokenChange[] = [];
    for (const entry of entries) {
      if (!entry.fields) {
        lostPending = true;
        continue;
      }
      for (const change of parseTokenChanges(entry.fields)) {
        if (change) changes.push(change);
        else logger.warn({ id: entry.id }, 'skipped a change in a stream entry that is not a token change');
      }
    }
    step = 'postgres';
    await repository.upsertChanges(changes);
    step = 'redis';
    // A crash before this acknowledgement only means the batch is written again later, which the
    // upsert's guard makes harmless.
    await reader.done(entries.map((entry) => entry.id));
    return entries.length;
  };

  /**
   * The stream is capped here (a long Postgres outage in a rush can outgrow it): when changes were
   * dropped before they were copied, the copy is rebuilt from what Redis holds now, and reading resumes
   * after it.
   */
  const streamCap = options.streamCap ?? 1_000_000;
  const resyncIfChangesLost = async () => {
    const lost = await reader.capAndCheckLost(streamCap);
    if (!lost && !lostPending) return;
    // First past what is in the stream now, then the snapshot: whatever happens after it is read as usual.
    await reader.skipToEnd();
    const at = Date.now();
    const live = await options.snapshot(at);
    step = 'postgres';
    const result = await repository.resync(live, at, { tokenPrefix: options.tokenPrefix ?? '' });
    step = 'redis';
    await reader.lossRepaired();
    lostPending = false;
    logger.warn({ live: live.length, ...result }, 'the change stream was trimmed before its changes were copied: rebuilt the copy from Redis');
  };

  const retentionMs = options.retentionMs ?? 3_600_000;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  let prunedAt = 0;
  const pruneIfDue = async () => {
    const now = Date.now();
    if (now - prunedAt < pruneEveryMs) return;
    step = 'postgres';
    const pruned = await repository.prune(now - retentionMs);
    prunedAt = now;
    if (pruned > 0) logger.info({ pruned }, 'pruned rows of tokens that ended over the retention ago');
  };

  /** Drains the stream (full batches back to back); resolves with the count copied or rejects. */
  const drain = async (): Promise<number> => {
    let copied = 0;
    step = 'redis';
    await resyncIfChangesLost();
    for (;;) {
      const entries = await reader.nextBatch();
      if (entries.length === 0) break;
      copied += await apply(entries);
      if (entries.length < batchSize || closed) break;
    }
    await pruneIfDue();
    return copied;
  };

  const runPass = (): Promise<number> => {
    const pass = chain.then(drain).then(
      (copied) => {
        if (failing) logger.info({ after: failing }, 'fallback sync restored');
        failing = undefined;
        return copied;
      },
      (error: unknown) => {
        if (error instanceof Error && error.message.includes('NOGROUP')) reader.reset();
        if (failing !== step && (connectedOnce || step === 'postgres')) {
          logger.warn({ err: error, dependency: step }, 'fallback sync failing; will retry');
          failing = step;
        }
        throw error;
      },
    );
    chain = pass.catch(() => undefined);
    return pass;
  };

  const stop = repeatEvery(intervalMs, async () => {
    await runPass().catch(() => undefined);
  });

  return {
    flush: async () => {
      let total = 0;
      for (;;) {
        const copied = await runPass();
        total += copied;
        if (copied === 0 || closed) return total;
      }
    },
    close: async () => {
      closed = true;
      await stop();
      await chain;
    },
  };
}
