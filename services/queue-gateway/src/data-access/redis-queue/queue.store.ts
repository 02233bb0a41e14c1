import { randomInt } from 'node:crypto';
import DataLoader from 'dataloader';
import type { RedisClient } from '@ticketing/service-kit';
import { ADMISSION_RATE_WINDOW_MS } from '../../domain/admission-rate';
import { generateQueueToken, type IssuedToken, type LookupOptions, type QueueTokenStatus, type TokenView } from '../../domain/queue-token';
import { tokenChangeFrom, type TokenChange } from '../../domain/token-change';
import type { WaiterState } from '../../domain/waiting-room';
import { ADMIT_LUA } from './queue-lua/admit.lua';
import { COUNTS_LUA, END_WITH_HOLD_LUA, EXPIRE_USER_LUA, ISSUE_LUA, LEAVE_LUA, LOOKUP_LUA, TOUCH_LUA } from './queue-lua/token.lua';
import { admissionRate, int, list, optionalNumber, status, text, type Reply } from './queue-reply';

/**
 * How long an active or pre-queue token's keys outlive the moment it stops being live. The admission
 * sweep reads the user id from the hash when it retires an expired token (for the change stream); the
 * grace lets a late sweep still find it. Liveness itself is decided by the sets and the clock, never by
 * this TTL. A waiting token's keys have none: they end with its place (queue-lua/common.lua.ts).
 */
const KEY_GRACE_MS = 60_000;

/** Largest number of expired or abandoned tokens one tick sweeps, so a tick stays short whatever piled up. */
export const DEFAULT_MAX_SWEEP = 1_000;

export interface QueueStoreOptions {
  /** Prefix of every key (QUEUE_KEY_PREFIX). */
  prefix: string;
  /** A waiting user who has not polled for this long loses their place (QUEUE_ABANDON_AFTER_SECONDS). */
  abandonAfterMs: number;
  /** What this line's tokens start with (a concert's line: `<concertId>.`; domain/queue-line.ts). */
  tokenPrefix?: string;
}

/** Inputs of one admission tick (all times epoch ms). */
export interface AdmitParams {
  maxActive: number;
  activeTtlMs: number;
  /** Waiting tokens last seen before this instant are dropped. */
  abandonBefore: number;
  now: number;
  /** Bound on the expired and abandoned tokens swept this tick (each). */
  maxDrop?: number;
}

export interface AdmissionResult {
  /** Tokens made ACTIVE this tick, in arrival order. */
  admitted: string[];
  /** Waiting tokens that lost their place this tick. */
  dropped: number;
  waiting: number;
  active: number;
  /** When the earliest active slot frees itself (epoch ms), if any slot is taken. */
  nextExpiryAt?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  /** People in the pre-queue of a line not on sale yet. */
  preQueue: number;
  admissionRatePerSecond: number;
  /** The admission limit the last admission used (undefined before the first). */
  limit?: number;
}

/** Pre-queue draws are uniform integers below 2^48 - 1 (randomInt's largest range): exact as Redis scores, ties practically never. */
const PRE_QUEUE_DRAWS = 2 ** 48 - 1;

/** Tokens per TOUCH call: bounds one script's run time whatever the number of connected waiters. */
const TOUCH_BATCH = 500;

/** Fields per person in the issue script's reply. */
const ISSUE_REPLY_FIELDS = 9;

/** Joins per ISSUE call: bounds one script's run time however many people arrive at once. */
const ISSUE_BATCH = 200;

/** One person joining, as the issue script takes it. */
interface IssueRequest {
  userId: string;
  now: number;
  opensAt?: number;
}

/**
 * The scripts as ioredis custom commands (EVALSHA, falling back to EVAL once per connection). Each
 * declares one key of its line (KEYS[1], its `seq`) so that a Redis Cluster client sends it to the
 * master of the line's slot; the script derives the other keys from the prefix (ARGV[1]), all in the
 * same slot because they share the line's hash tag.
 */
interface QueueCommands {
  queueIssue(...args: (string | number)[]): Promise<Reply>;
  queueLookup(...args: (string | number)[]): Promise<Reply | null>;
  queueLeave(...args: (string | number)[]): Promise<string>;
  queueExpireUser(...args: (string | number)[]): Promise<string | null>;
  queueAdmit(...args: (string | number)[]): Promise<Reply>;
  queueCounts(...args: (string | number)[]): Promise<Reply>;
  queueTouch(...args: (string | number)[]): Promise<Reply>;
  queueEndWithHold(...args: (string | number)[]): Promise<number>;
}

const defined = new WeakSet<RedisClient>();

/** The scripts, defined once per client however many lines' stores share it. */
function withQueueCommands(redis: RedisClient): RedisClient & QueueCommands {
  if (!defined.has(redis)) {
    redis.defineCommand('queueIssue', { numberOfKeys: 1, lua: ISSUE_LUA });
    redis.defineCommand('queueLookup', { numberOfKeys: 1, lua: LOOKUP_LUA });
    redis.defineCommand('queueLeave', { numberOfKeys: 1, lua: LEAVE_LUA });
    redis.defineCommand('queueExpireUser', { numberOfKeys: 1, lua: EXPIRE_USER_LUA });
    redis.defineCommand('queueAdmit', { numberOfKeys: 1, lua: ADMIT_LUA });
    redis.defineCommand('queueCounts', { numberOfKeys: 1, lua: COUNTS_LUA, readOnly: true });
    redis.defineCommand('queueTouch', { numberOfKeys: 1, lua: TOUCH_LUA });
    redis.defineCommand('queueEndWithHold', { numberOfKeys: 1, lua: END_WITH_HOLD_LUA });
    defined.add(redis);
  }
  return redis as RedisClient & QueueCommands;
}

/**
 * The waiting line, the active slots and each token's state, in Redis. Every state change is one Lua
 * script: atomic, one round trip, bounded work, and appended to the `changes` stream in the same step so
 * the Postgres fallback sees exactly what Redis did. See `queue-lua/common.lua.ts` for the key layout.
 */
export class RedisQueueStore {
  private readonly redis: RedisClient & QueueCommands;
  /** How long after a line's opening its pre-queue tokens' keys live without the opening taking them in. */
  private readonly holdMs: number;
  /** The key every script declares: it routes the script to the line's slot on a Redis Cluster. */
  private readonly slotKey: string;
  /**
   * The joins that arrive in one turn of the event loop (the requests read from every socket that was
   * ready) go to Redis as one script run: one round trip, one command to encode and one reply to read
   * instead of one each. A join waits for nothing but the end of the turn it arrived in.
   */
  private readonly joins: DataLoader<IssueRequest, IssuedToken>;

  constructor(redis: RedisClient, private readonly options: QueueStoreOptions) {
    this.redis = withQueueCommands(redis);
    this.holdMs = options.abandonAfterMs + KEY_GRACE_MS;
    this.slotKey = `${options.prefix}seq`;
    this.joins = new DataLoader((batch) => this.issueAll(batch), { cache: false, maxBatchSize: ISSUE_BATCH, batchScheduleFn: (run) => setImmediate(run) });
  }

  /** The key prefix this store writes under. */
  get prefix(): string {
    return this.options.prefix;
  }

  /**
   * Puts the user in line with a new token, or returns the live token they already hold (`created: false`).
   * Before the line's on-sale time `opensAt` the new token waits in the pre-queue with a random draw
   * (node:crypto, a CSPRNG) that decides its place at the opening.
   */
  issue(userId: string, now: number, opensAt?: number): Promise<IssuedToken> {
    return this.joins.load({ userId, now, opensAt });
  }

  /** One script run for a batch of joins, in the order they arrived. */
  private async issueAll(batch: readonly IssueRequest[]): Promise<IssuedToken[]> {
    const args: (string | number)[] = [this.slotKey, this.prefix, this.holdMs];
    for (const { userId, now, opensAt } of batch) {
      const draw = opensAt === undefined ? 0 : randomInt(PRE_QUEUE_DRAWS);
      args.push(userId, generateQueueToken(this.options.tokenPrefix), now, opensAt ?? '', draw);
    }
    const reply = await this.redis.queueIssue(...args);
    return batch.map(({ now }, i) => {
      const at = i * ISSUE_REPLY_FIELDS;
      const expiresAt = optionalNumber(reply, at + 5);
      const tokenOpensAt = optionalNumber(reply, at + 8);
      return {
        token: text(reply, at),
        created: int(reply, at + 1) === 1,
        status: status(reply, at + 2),
        position: int(reply, at + 3),
        issuedAt: int(reply, at + 4),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(tokenOpensAt === undefined ? {} : { opensAt: tokenOpensAt }),
        admissionRatePerSecond: admissionRate(reply, at + 6, now),
      };
    });
  }

  /**
   * Every token the queue holds (waiting and active), as changes as of `at`: what a full resync of the
   * Postgres copy writes. Read in batches of TOUCH_BATCH hashes per round trip; not atomic, which the
   * copy's newest-change-wins guard makes harmless.
   */
  async snapshot(at: number): Promise<TokenChange[]> {
    const tokens = (await Promise.all(['pre', 'waiting', 'active'].map((set) => this.redis.zrange(`${this.prefix}${set}`, '0', '-1')))).flat();
    const changes: TokenChange[] = [];
    for (let i = 0; i < tokens.length; i += TOUCH_BATCH) {
      const batch = tokens.slice(i, i + TOUCH_BATCH);
      const pipeline = this.redis.pipeline();
      for (const token of batch) pipeline.hmget(`${this.prefix}t:${token}`, 'userId', 'status', 'issuedAt', 'activatedAt', 'expiresAt');
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach((token, j) => {
        const [userId, status, issuedAt, activatedAt, expiresAt] = ((replies[j]?.[1] ?? []) as (string | null)[]).map((value) => value ?? undefined);
        // The copy knows a pre-queue token as waiting (as the issue script records it).
        const change = tokenChangeFrom({ token, userId, status: status === 'PRE_QUEUE' ? 'WAITING' : status, issuedAt, activatedAt, expiresAt, at: String(at) });
        if (change && change.userId !== '') changes.push(change);
      });
    }
    return changes;
  }

  /** The token's live state, or undefined when unknown or expired; `touch` counts as a poll of a waiting user. */
  async lookup(token: string, now: number, options: LookupOptions = { touch: false }): Promise<TokenView | undefined> {
    const reply = await this.redis.queueLookup(this.slotKey, this.prefix, token, now, options.touch ? 1 : 0);
    if (!reply) return undefined;
    const activatedAt = optionalNumber(reply, 4);
    const expiresAt = optionalNumber(reply, 5);
    const opensAt = optionalNumber(reply, 9);
    return {
      token,
      userId: text(reply, 0),
      status: status(reply, 1),
      position: int(reply, 2),
      issuedAt: int(reply, 3),
      ...(activatedAt === undefined ? {} : { activatedAt }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(opensAt === undefined ? {} : { opensAt }),
      admissionRatePerSecond: admissionRate(reply, 6, now),
      admittedBefore: int(reply, 8),
    };
  }

  /**
   * Marks the given tokens' holders as present (a waiting token's abandonment clock restarts, as by a
   * poll) and returns each token's state now, in batches of TOUCH_BATCH per round trip.
   */
  async touch(tokens: readonly string[], now: number): Promise<Map<string, WaiterState>> {
    const states = new Map<string, WaiterState>();
    for (let start = 0; start < tokens.length; start += TOUCH_BATCH) {
      const batch = tokens.slice(start, start + TOUCH_BATCH);
      const reply = await this.redis.queueTouch(this.slotKey, this.prefix, now, ...batch);
      const admittedBefore = int(reply, reply.length - 1);
      batch.forEach((token, i) => {
        const position = int(reply, 2 * i);
        const expiresAt = optionalNumber(reply, 2 * i + 1);
        states.set(token, position < 0 ? { status: 'GONE' } : position === 0 ? { status: 'ACTIVE', expiresAt: expiresAt ?? now } : { status: 'WAITING', position, admittedBefore });
      });
    }
    return states;
  }

  /** The user an ended token was issued to, for 10 minutes after it ended (undefined when unknown). */
  async formerOwner(token: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}e:${token}`)) ?? undefined;
  }

  /** Gives up the place in line or frees the active slot: the status the token left, or undefined when it was not live. */
  async leave(token: string, now: number): Promise<QueueTokenStatus | undefined> {
    const left = await this.redis.queueLeave(this.slotKey, this.prefix, token, now);
    return left === 'ACTIVE' || left === 'WAITING' || left === 'PRE_QUEUE' ? left : undefined;
  }

  /**
   * Expires the user's token (after their payment), returning it, or undefined when they hold none.
   * Idempotent. With `issuedAtOrBefore` (e.g. the payment's time) a token issued later is kept, so a
   * redelivered event cannot take away a place the user queued for afterwards.
   */
  async expireUser(userId: string, now: number, options: { issuedAtOrBefore?: number } = {}): Promise<string | undefined> {
    const token = await this.redis.queueExpireUser(this.slotKey, this.prefix, userId, now, options.issuedAtOrBefore ?? '');
    return token ?? undefined;
  }

  /**
   * Makes an ACTIVE token's slot end when the user's latest seat hold does (`holdEndsAt`), never later than
   * `ttlMs` after its admission. Returns the slot's new end, or undefined when nothing changed.
   */
  async endWithHold(token: string, holdEndsAt: number, ttlMs: number, now: number): Promise<number | undefined> {
    const ends = Number(await this.redis.queueEndWithHold(this.slotKey, this.prefix, token, now, holdEndsAt, ttlMs, KEY_GRACE_MS));
    return ends > 0 ? ends : undefined;
  }

  /** One admission tick: sweep expired slots and abandoned places, then fill free slots from the head. */
  async admit(params: AdmitParams): Promise<AdmissionResult> {
    const reply = await this.redis.queueAdmit(this.slotKey, this.prefix,
      params.now,
      params.maxActive,
      params.activeTtlMs,
      params.abandonBefore,
      params.maxDrop ?? DEFAULT_MAX_SWEEP,
      KEY_GRACE_MS,
      ADMISSION_RATE_WINDOW_MS,
    );
    const nextExpiryAt = optionalNumber(reply, 4);
    return {
      admitted: list(reply, 0),
      dropped: int(reply, 1),
      waiting: int(reply, 2),
      active: int(reply, 3),
      ...(nextExpiryAt === undefined ? {} : { nextExpiryAt }),
    };
  }

  /** Waiting users, live active slots and the admission rate, in one round trip. */
  async counts(now: number): Promise<QueueCounts> {
    const reply = await this.redis.queueCounts(this.slotKey, this.prefix, now);
    const limit = optionalNumber(reply, 4);
    return { waiting: int(reply, 0), active: int(reply, 1), preQueue: int(reply, 5), admissionRatePerSecond: admissionRate(reply, 2, now), ...(limit === undefined ? {} : { limit }) };
  }
}
