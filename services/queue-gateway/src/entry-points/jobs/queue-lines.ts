import type { Logger, RedisTarget, Registry } from '@ticketing/service-kit';
import type { ConcertCatalogue } from '../../data-access/concert.catalogue';
import { startFallbackSync } from '../../data-access/fallback/fallback-sync';
import type { FallbackTokenRepository } from '../../data-access/fallback/fallback-token.repository';
import { RedisQueueStore } from '../../data-access/redis-queue/queue.store';
import { concertOfToken, linePrefix, SITE_LINE, tokenPrefixOf } from '../../domain/queue-line';
import type { LineDirectory, LineParts } from '../http/lines';
import { startAdmission, type Admission, type AdmissionConfig } from './admission.job';
import { presenceInterval, startWaitingRoom } from './waiting-room.job';
import { queueMetrics } from '../queue.metrics';

/** One line as this process runs it: its store, its share of admission, its waiting room and its Postgres copy. */
export interface QueueLine extends LineParts {
  /** SITE_LINE or the concert's id. */
  id: string;
  store: RedisQueueStore;
  admission: Admission;
  close(): Promise<void>;
}

export interface LineSettings {
  /** The service's fail-fast Redis client. */
  redis: ConstructorParameters<typeof RedisQueueStore>[0];
  /** Where Redis is, for BullMQ's own connections (the admission ticks); with cluster nodes every line's keys are tagged. */
  redisTarget: RedisTarget;
  /** The queue settings; QUEUE_KEY_PREFIX is the base every line's prefix derives from. */
  config: AdmissionConfig & { FALLBACK_SYNC_INTERVAL_MS: number };
  repository: FallbackTokenRepository;
  logger: Logger;
  /** Every line's admission and counts report here, under its `line` label. */
  metrics?: Registry;
}

/** A line's keys, under its prefix (hash-tagged on a cluster). */
function lineStore(id: string, { config, redis, redisTarget }: LineSettings): RedisQueueStore {
  const prefix = linePrefix(config.QUEUE_KEY_PREFIX, id, (redisTarget.clusterNodes?.length ?? 0) > 0);
  return new RedisQueueStore(redis, { prefix, abandonAfterMs: config.QUEUE_ABANDON_AFTER_SECONDS * 1_000, tokenPrefix: tokenPrefixOf(id) });
}

/** Starts a line on this process: the admission tick (one gateway takes each), the feed subscription and the sync of its change stream. */
export function startLine(id: string, settings: LineSettings): QueueLine {
  const { config, redis, repository } = settings;
  const store = lineStore(id, settings);
  const { prefix } = store;
  const logger = id === SITE_LINE ? settings.logger : settings.logger.child({ line: id });
  const sync = startFallbackSync({
    redis,
    prefix,
    repository,
    snapshot: (at) => store.snapshot(at),
    tokenPrefix: tokenPrefixOf(id),
    intervalMs: config.FALLBACK_SYNC_INTERVAL_MS,
    logger,
  });
  const admission = startAdmission({
    redisTarget: settings.redisTarget,
    store,
    config: { ...config, QUEUE_KEY_PREFIX: prefix },
    logger,
    ...(settings.metrics ? { metrics: settings.metrics, line: id } : {}),
    onAdmitted: (tokens, at, expiresAt) => repository.markAdmitted(tokens, at, expiresAt),
  });
  if (settings.metrics) queueMetrics(settings.metrics).readCountsFrom(id, () => store.counts(Date.now()));
  const waiting = startWaitingRoom({ redis, store, presenceEveryMs: presenceInterval(config.QUEUE_ABANDON_AFTER_SECONDS), logger });
  return {
    id,
    store,
    admission,
    room: waiting.room,
    admissionLimit: admission.limit,
    onSlotFreed: admission.admitNow,
    close: async () => {
      waiting.room.dismissAll();
      await Promise.all([admission.close(), waiting.close(), sync.close()]);
    },
  };
}

export interface QueueLinesOptions {
  settings: LineSettings;
  /** Only the concerts booking lists get a line. */
  catalogue: ConcertCatalogue;
  /** How often the lines other gateway processes opened are picked up (and admission resumed after a restart). */
  discoverEveryMs?: number;
}

/**
 * The site-wide line and the concerts' lines on this process. A concert's line is opened the first time
 * it is needed here (someone joins it, or a token of it is used) and recorded in the Redis set
 * `<QUEUE_KEY_PREFIX>lines`, from which every gateway process opens it too: each line is admitted by
 * whichever process takes its tick, and its waiters are pushed by the process they are connected to.
 */
export class QueueLines implements LineDirectory {
  readonly site: QueueLine;
  private readonly concerts = new Map<string, QueueLine>();
  private readonly registry: string;
  private readonly discovery: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: QueueLinesOptions) {
    this.site = startLine(SITE_LINE, options.settings);
    this.registry = `${options.settings.config.QUEUE_KEY_PREFIX}lines`;
    this.discovery = setInterval(() => void this.discover(), options.discoverEveryMs ?? 5_000);
    this.discovery.unref();
    // At once, or as soon as Redis answers: a gateway starts before its Redis client is ready.
    const { redis } = options.settings;
    if (redis.status === 'ready') void this.discover();
    else redis.once('ready', () => void this.discover());
  }

  async forConcert(concertId: string): Promise<QueueLine | undefined> {
    const id = concertId.toLowerCase();
    const open = this.concerts.get(id);
    if (open) return open;
    if (!(await this.options.catalogue.find(id))) return undefined;
    await this.options.settings.redis.sadd(this.registry, id);
    return this.openLine(id);
  }

  open(): { concertId: string; line: QueueLine }[] {
    return [...this.concerts.entries()].map(([concertId, line]) => ({ concertId, line }));
  }

  /** The line a token belongs to, if it is open here (the site-wide line for its own tokens). */
  openLineOf(token: string): QueueLine | undefined {
    const concertId = concertOfToken(token);
    return concertId === undefined ? this.site : this.concerts.get(concertId);
  }

  /**
   * The store a token's keys are in: its line's, or for a concert line not open here, a store of that
   * line's keys alone (no jobs): a lookup of a made-up concert's token just finds nothing.
   */
  storeOf(token: string): RedisQueueStore {
    return this.openLineOf(token)?.store ?? this.keysOf(concertOfToken(token)!);
  }

  /** The site-wide line's store and, when given, the concert's line's store (open here or not). */
  storesFor(concertId: string | undefined): RedisQueueStore[] {
    if (concertId === undefined) return [this.site.store];
    const id = concertId.toLowerCase();
    return [this.site.store, this.concerts.get(id)?.store ?? this.keysOf(id)];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.discovery);
    await Promise.all([this.site, ...this.concerts.values()].map((line) => line.close()));
    this.concerts.clear();
  }

  /** A store of a concert line's keys that runs nothing (the line is not open on this process). */
  private keysOf(concertId: string): RedisQueueStore {
    return lineStore(concertId, this.options.settings);
  }

  private openLine(id: string): QueueLine | undefined {
    const open = this.concerts.get(id);
    if (open || this.closed) return open;
    const line: QueueLine = { ...startLine(id, this.options.settings), opensAt: async () => (await this.options.catalogue.find(id))?.opensAt };
    this.concerts.set(id, line);
    return line;
  }

  private async discover(): Promise<void> {
    if (this.closed) return;
    try {
      for (const id of await this.options.settings.redis.smembers(this.registry)) if (!this.closed) this.openLine(id);
    } catch (error) {
      this.options.settings.logger.warn({ err: error }, 'could not read the lines other gateways opened; retrying');
    }
  }
}
