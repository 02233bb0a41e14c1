import express, { type Request, type Router } from 'express';
import {
  HttpHeaders,
  IssueTokenRequest,
  type IssueTokenResponse,
  type QueueStatsResponse,
  type TokenStatusResponse,
} from '@ticketing/contracts';
import { AppError, parseInput, type Registry } from '@ticketing/service-kit';
import type { GatewayConfig } from '../../config';
import type { RedisQueueStore } from '../../data-access/queue.store';
import { capacityTurnoverRate } from '../../domain/admission-rate';
import { isWellFormedQueueToken, type TokenLookup } from '../../domain/queue-token';
import { estimatedWaitSeconds } from '../../domain/wait-estimate';
import { queueMetrics } from '../queue.metrics';

export type QueueRoutesConfig = Pick<GatewayConfig, 'QUEUE_MAX_ACTIVE' | 'QUEUE_ACTIVE_TTL_SECONDS'>;

export interface QueueRoutesDependencies {
  store: Pick<RedisQueueStore, 'issue' | 'leave' | 'counts'>;
  /** Token state for `GET /queue/tokens/me`: in production the breaker-wrapped lookup (Redis, then Postgres). */
  lookup: TokenLookup;
  config: QueueRoutesConfig;
  /** The token-check circuit breaker's state, reported by `GET /queue/stats`. */
  breakerState: () => string;
  metrics?: Registry;
}

/** Redis failures on the queue's own routes are "try again shortly", not an internal error. */
function unavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw new AppError('QUEUE.UNAVAILABLE', 'The queue is temporarily unavailable; retry shortly', {
    cause: error,
    headers: { [HttpHeaders.RetryAfter]: '1' },
  });
}

/** The caller's token, or 401 before any Redis call when it is missing or could not be one of ours. */
function tokenOf(req: Request): string {
  const token = req.get(HttpHeaders.QueueToken);
  if (!isWellFormedQueueToken(token)) throw new AppError('QUEUE.TOKEN_INVALID', 'Missing or invalid queue token');
  return token;
}

/**
 * The public queue routes (API.md): join the line, see one's place, leave, and the queue's stats.
 * Thin on purpose: parse, call the store, map to the contract.
 */
export function queueRoutes(deps: QueueRoutesDependencies): Router {
  const { store, lookup, config } = deps;
  const fallbackRate = capacityTurnoverRate(config.QUEUE_MAX_ACTIVE, config.QUEUE_ACTIVE_TTL_SECONDS);
  const waitFor = (position: number, rate: number | undefined) => estimatedWaitSeconds(position, rate ?? 0, fallbackRate);
  if (deps.metrics) queueMetrics(deps.metrics).readCountsFrom(() => store.counts(Date.now()));

  const router = express.Router();
  // Tokens are bearer credentials: never let a cache keep an answer that carries or reflects one.
  router.use('/queue/tokens', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.post('/queue/tokens', async (req, res) => {
    const { userId } = parseInput(IssueTokenRequest, req.body);
    const issued = await store.issue(userId, Date.now()).catch(unavailable);
    const body: IssueTokenResponse = {
      token: issued.token,
      status: issued.status,
      position: issued.position,
      estimatedWaitSeconds: waitFor(issued.position, issued.admissionRatePerSecond),
    };
    res.status(issued.created ? 201 : 200).json(body);
  });

  router.get('/queue/tokens/me', async (req, res) => {
    const token = tokenOf(req);
    const view = await lookup(token, Date.now(), { touch: true }).catch(unavailable);
    if (!view) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    const body: TokenStatusResponse = {
      status: view.status,
      position: view.position,
      estimatedWaitSeconds: waitFor(view.position, view.admissionRatePerSecond),
      expiresAt: view.expiresAt === undefined ? null : new Date(view.expiresAt).toISOString(),
    };
    res.json(body);
  });

  router.delete('/queue/tokens/me', async (req, res) => {
    const token = tokenOf(req);
    const left = await store.leave(token, Date.now()).catch(unavailable);
    if (!left) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    res.status(204).end();
  });

  router.get('/queue/stats', async (_req, res) => {
    const counts = await store.counts(Date.now()).catch(unavailable);
    const body: QueueStatsResponse = {
      waiting: counts.waiting,
      active: counts.active,
      maxActive: config.QUEUE_MAX_ACTIVE,
      admissionRatePerSecond: Math.round(counts.admissionRatePerSecond * 1_000) / 1_000,
      breaker: deps.breakerState(),
    };
    res.json(body);
  });

  return router;
}
