import {
  AuthenticatedIssueTokenRequest,
  HttpHeaders,
  QueueStatsQuery,
  TokenStatusQuery,
  type IssueTokenResponse,
  type QueueLineStats,
  type TokenStatusResponse,
} from '@ticketing/contracts';
import { AppError, parseInput, type ApiRequest, type ApiRoute, type Registry } from '@ticketing/service-kit';
import type { GatewayConfig } from '../../config';
import type { KeyedLimit } from '../../data-access/rate.limiter';
import type { RedisQueueStore } from '../../data-access/redis-queue/queue.store';
import type { TokenLookup, TokenView } from '../../domain/queue-token';
import { secondsUntil, waitEstimator } from '../../domain/wait-estimate';
import type { AdmissionLimit } from '../../domain/admission-limit';
import { SITE_LINE } from '../../domain/queue-line';
import type { WaiterState, WaitingRoom } from '../../domain/waiting-room';
import { queueMetrics } from '../queue.metrics';
import { bodyIdentity, type CallerIdentifier } from './caller-identity';
import { lineOfToken, type LineDirectory, type LineParts } from './lines';
import { enforceLimit } from './rate-limit';
import { queueTokenOf } from './verify-token';

export type QueueRoutesConfig = Pick<GatewayConfig, 'QUEUE_ACTIVE_TTL_SECONDS'>;

export interface QueueRoutesDependencies {
  store: Pick<RedisQueueStore, 'issue' | 'leave' | 'counts'>;
  /** Token state for `GET /queue/tokens/me`: in production the breaker-wrapped lookup (Redis, then Postgres). */
  lookup: TokenLookup;
  config: QueueRoutesConfig;
  /** The token-check circuit breaker's state, reported by `GET /queue/stats`. */
  breakerState: () => string;
  metrics?: Registry;
  /** Who a token is for: `bodyIdentity` (AUTH_MODE=dev, the default) or `jwtIdentity(…)`. */
  identify?: CallerIdentifier;
  /** Rate limits on `POST /queue/tokens`, per client address (checked first) and per user; none when absent. */
  issueLimits?: { perAddress: KeyedLimit; perUser: KeyedLimit };
  /** This process's waiting room: long-polls wait in it for their admission. */
  room: WaitingRoom;
  /** The admission limit in force and why it last moved (`GET /queue/stats`). */
  admissionLimit: AdmissionLimit;
  /** Called when a request freed an active slot, so the next in line are admitted at once. */
  onSlotFreed?: () => void;
  /**
   * The concerts' own lines (`POST /queue/tokens { concertId }`); the fields above are the site-wide
   * line's. Without it only the site-wide line exists and a `concertId` is 404.
   */
  lines?: LineDirectory;
}

/** What `GET /queue/stats` says of the admission limit. */
export interface AdmissionLimitView {
  mode: 'adaptive' | 'fixed';
  limit: number;
  min: number;
  max: number;
  targetP95Ms: number;
  lastChange?: { reason: string; from: number; to: number; at: string; p95Ms: number; failures: number };
}

/** The limit as `GET /queue/stats` shows it. */
export function viewOfLimit(admissionLimit: AdmissionLimit): AdmissionLimitView {
  const { settings, limit, lastChange } = admissionLimit;
  return {
    mode: settings.mode,
    limit,
    min: settings.min,
    max: settings.max,
    targetP95Ms: settings.targetP95Ms,
    ...(lastChange ? { lastChange: { ...lastChange, p95Ms: Math.round(lastChange.p95Ms), at: new Date(lastChange.at).toISOString() } } : {}),
  };
}

/** One line in `GET /queue/stats`: the contract's fields and what the gateway adds. */
export interface LineStats extends QueueLineStats {
  preQueue: number;
  admissionLimit: AdmissionLimitView;
  connectedWaiters: number;
  admissionRatePerSecond: number;
}

/** `GET /queue/stats` without `concertId`: the totals over every line, the breaker, and each line (when concerts have lines). */
export interface QueueStats extends LineStats {
  breaker: string;
  queues?: (LineStats & { concertId: string | null })[];
}

/** One line's figures; rejects when Redis does not answer. */
async function readLineStats(line: LineParts): Promise<LineStats> {
  const counts = await line.store.counts(Date.now());
  const admissionLimit = viewOfLimit(line.admissionLimit);
  return {
    waiting: counts.waiting,
    active: counts.active,
    preQueue: counts.preQueue,
    // The limit the last admission used (any gateway process), else this process's.
    maxActive: counts.limit ?? admissionLimit.limit,
    admissionLimit,
    connectedWaiters: line.room.size,
    admissionRatePerSecond: Math.round(counts.admissionRatePerSecond * 1_000) / 1_000,
  };
}

/** The site-wide line of the routes' dependencies. */
const siteLine = (deps: Pick<QueueRoutesDependencies, 'store' | 'room' | 'admissionLimit' | 'onSlotFreed'>): LineParts => ({
  store: deps.store,
  room: deps.room,
  admissionLimit: deps.admissionLimit,
  onSlotFreed: deps.onSlotFreed,
});

/**
 * What `GET /queue/stats` answers without `concertId` (and the operator dashboard shows): with concert
 * lines open, the totals and each line; rejects when Redis does not answer.
 */
export function readQueueStats(deps: Pick<QueueRoutesDependencies, 'store' | 'admissionLimit' | 'room' | 'breakerState' | 'lines'>): () => Promise<QueueStats> {
  const site = siteLine(deps);
  return async () => {
    const siteStats = await readLineStats(site);
    const breaker = deps.breakerState();
    if (!deps.lines) return { ...siteStats, breaker };
    const concerts = await Promise.all(deps.lines.open().map(async ({ concertId, line }) => ({ concertId, ...(await readLineStats(line)) })));
    const queues = [{ concertId: null, ...siteStats }, ...concerts];
    const sum = (field: 'waiting' | 'active' | 'preQueue' | 'maxActive' | 'connectedWaiters' | 'admissionRatePerSecond') => queues.reduce((total, line) => total + line[field], 0);
    return {
      waiting: sum('waiting'),
      active: sum('active'),
      preQueue: sum('preQueue'),
      maxActive: sum('maxActive'),
      admissionLimit: siteStats.admissionLimit,
      connectedWaiters: sum('connectedWaiters'),
      admissionRatePerSecond: Math.round(sum('admissionRatePerSecond') * 1_000) / 1_000,
      breaker,
      queues,
    };
  };
}

/** Redis failures on the queue's own routes are "try again shortly", not an internal error. */
function unavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw new AppError('QUEUE.UNAVAILABLE', 'The queue is temporarily unavailable; retry shortly', {
    cause: error,
    headers: { [HttpHeaders.RetryAfter]: '1' },
  });
}

/** Tokens are bearer credentials: never let a cache keep an answer that carries or reflects one. */
const NO_STORE = { 'Cache-Control': 'no-store' } as const;

/**
 * The public queue routes (API.md): join the line, see one's place, leave, and the queue's stats.
 * Thin on purpose: parse, call the store, map to the contract. They are the gateway's hottest routes,
 * so they are ApiRoutes, served ahead of the middleware chain (service-kit's fast lane).
 */
export function queueRoutes(deps: QueueRoutesDependencies): ApiRoute[] {
  const { lookup, config } = deps;
  const site = siteLine(deps);
  const waitFor = (line: LineParts, position: number, ratePerSecond: number | undefined) =>
    waitEstimator(config.QUEUE_ACTIVE_TTL_SECONDS, () => line.admissionLimit.limit)(position, ratePerSecond);
  if (deps.metrics) queueMetrics(deps.metrics).readCountsFrom(SITE_LINE, () => deps.store.counts(Date.now()));
  const identify = deps.identify ?? bodyIdentity;
  const limits = deps.issueLimits;
  const rateLimited = deps.metrics ? queueMetrics(deps.metrics).rateLimitedTotal : undefined;
  const countRefusal = (limit: string) => rateLimited?.inc({ limit });

  /** The line of a concert, or 404 when booking lists no such concert. */
  const concertLine = async (concertId: string) => {
    const line = await deps.lines?.forConcert(concertId).catch(unavailable);
    if (!line) throw new AppError('BOOKING.CONCERT_NOT_FOUND', `No concert ${concertId}`);
    return line;
  };
  /** The line of a token; an unknown concert's token is unknown. */
  const tokenLine = async (token: string) => {
    const line = await lineOfToken(site, deps.lines, token).catch(unavailable);
    if (!line) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    return line;
  };

  const issue = async (req: ApiRequest) => {
    // The address is counted before any other work (JWT check, the queue script), the user once we know who it is.
    if (limits) await enforceLimit(limits.perAddress, req.ip, 'token requests from this address', () => countRefusal('address'));
    const userId = await identify({ authorization: req.headers.authorization, body: req.body });
    // The body passed the identifier's strict check: its concertId, if any, is a UUID.
    const { concertId } = AuthenticatedIssueTokenRequest.parse(req.body ?? {});
    const line = concertId === undefined ? site : await concertLine(concertId);
    if (limits) await enforceLimit(limits.perUser, userId, 'token requests from this user', () => countRefusal('user'));
    const opensAt = await line.opensAt?.().catch(unavailable);
    const issued = await line.store.issue(userId, Date.now(), opensAt).catch(unavailable);
    const body: IssueTokenResponse = { token: issued.token, ...placeOf(line, issued) };
    return { status: issued.created ? 201 : 200, headers: NO_STORE, body };
  };

  /** Status, place and wait; in the pre-queue the wait is until the opening, when places are drawn. */
  const placeOf = (line: LineParts, view: Pick<TokenView, 'status' | 'position' | 'admissionRatePerSecond' | 'opensAt'>) =>
    view.status === 'PRE_QUEUE' && view.opensAt !== undefined
      ? { status: view.status, position: 0, estimatedWaitSeconds: secondsUntil(view.opensAt, Date.now()), opensAt: new Date(view.opensAt).toISOString() }
      : { status: view.status, position: view.position, estimatedWaitSeconds: waitFor(line, view.position, view.admissionRatePerSecond) };
  const statusBody = (line: LineParts, view: Pick<TokenView, 'status' | 'position' | 'admissionRatePerSecond' | 'expiresAt' | 'opensAt'>): TokenStatusResponse => ({
    ...placeOf(line, view),
    expiresAt: view.expiresAt === undefined ? null : new Date(view.expiresAt).toISOString(),
  });
  const read = async (token: string) => {
    const view = await lookup(token, Date.now(), { touch: true }).catch(unavailable);
    if (!view) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    return view;
  };

  const ok = (body: TokenStatusResponse) => ({ status: 200, headers: NO_STORE, body });

  const status = async (req: ApiRequest) => {
    const { wait } = parseInput(TokenStatusQuery, req.query, 'VALIDATION.INVALID_QUERY');
    const token = queueTokenOf(req.headers);
    const line = await tokenLine(token);
    if (wait === undefined) return ok(statusBody(line, await read(token)));
    // Long-poll: in the room before the read, so an admission published in between is not missed.
    let settle: (state: WaiterState | 'timeout' | 'closed') => void = () => undefined;
    const outcome = new Promise<WaiterState | 'timeout' | 'closed'>((resolve) => (settle = resolve));
    const presence = line.room.enter(token, settle);
    const timer = setTimeout(() => settle('timeout'), wait * 1_000);
    const stopListening = req.onClose(() => settle('closed'));
    try {
      const view = await read(token);
      if (view.status !== 'WAITING') return ok(statusBody(line, view));
      presence.know({ status: 'WAITING', position: view.position, admittedBefore: view.admittedBefore ?? 0 });
      const state = await outcome;
      // The client is gone: whatever is written goes nowhere.
      if (state === 'closed') return { status: 499 };
      if (state === 'timeout' || state.status === 'WAITING' || state.status === 'DISMISSED') return ok(statusBody(line, await read(token)));
      if (state.status === 'GONE') throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
      return ok(statusBody(line, { status: 'ACTIVE', position: 0, expiresAt: state.expiresAt }));
    } finally {
      clearTimeout(timer);
      stopListening();
      presence.leave();
    }
  };

  const leave = async (req: ApiRequest) => {
    const token = queueTokenOf(req.headers);
    const line = await tokenLine(token);
    const left = await line.store.leave(token, Date.now()).catch(unavailable);
    if (!left) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    // Only a freed slot lets someone in; a place given up just moves the line (the feed tells the waiters).
    if (left === 'ACTIVE') line.onSlotFreed?.();
    return { status: 204, headers: NO_STORE };
  };

  const readStats = readQueueStats(deps);
  const stats = async (req: ApiRequest) => {
    const { concertId } = parseInput(QueueStatsQuery, req.query, 'VALIDATION.INVALID_QUERY');
    if (concertId === undefined) return { status: 200, body: await readStats().catch(unavailable) };
    const line = await concertLine(concertId);
    return { status: 200, body: { ...(await readLineStats(line).catch(unavailable)), concertId: concertId.toLowerCase() } };
  };

  return [
    { method: 'POST', path: '/queue/tokens', handle: issue },
    { method: 'GET', path: '/queue/tokens/me', handle: status },
    { method: 'DELETE', path: '/queue/tokens/me', handle: leave },
    { method: 'GET', path: '/queue/stats', handle: stats },
  ];
}
