import express, { type Router } from 'express';
import type { OpsSnapshot } from '@ticketing/contracts';
import { AppError, hasBearer, type Registry } from '@ticketing/service-kit';
import { buckets, parseMetrics, total } from '../../domain/ops-snapshot';
import type { AdmissionLimit } from '../../domain/admission-limit';
import type { QueueCounts } from '../../data-access/redis-queue/queue.store';

export interface OpsRoutesDependencies {
  operatorToken: string;
  counts: () => Promise<QueueCounts>;
  limit: AdmissionLimit;
  breakerState: () => string;
  connectedWaiters: () => number;
  metrics: Registry;
  /** The other services' `/metrics` text, or undefined when one does not answer. */
  scrape: () => Promise<{ payment?: string; sink?: string }>;
}

/** `GET /ops/snapshot`: the dashboard's data, behind the operator credential (the page itself holds no data). */
export function opsRoutes(deps: OpsRoutesDependencies): Router {
  const router = express.Router();
  const isOperator = hasBearer(deps.operatorToken);
  router.get('/ops/snapshot', async (req, res) => {
    if (!isOperator(req.headers)) throw new AppError('AUTH.INTERNAL_CREDENTIAL_MISSING', 'The operator credential is required (Authorization: Bearer)');
    const [counts, own, others] = await Promise.all([deps.counts().catch(() => undefined), deps.metrics.metrics(), deps.scrape()]);
    const gateway = parseMetrics(own);
    const payment = others.payment === undefined ? undefined : parseMetrics(others.payment);
    const sink = others.sink === undefined ? undefined : parseMetrics(others.sink);
    const snapshot: OpsSnapshot = {
      at: Date.now(),
      queue: counts
        ? {
            waiting: counts.waiting,
            active: counts.active,
            limit: counts.limit ?? deps.limit.limit,
            admissionRatePerSecond: counts.admissionRatePerSecond,
            connectedWaiters: deps.connectedWaiters(),
            breaker: deps.breakerState(),
          }
        : null,
      admitted: total(gateway, 'queue_admitted_total'),
      payments: total(gateway, 'http_request_duration_seconds_count', { route: '/payments', status_code: '201' }),
      fallbacks: total(gateway, 'queue_token_fallbacks_total'),
      deadLetters: total(sink, 'sink_dead_letters_total'),
      outboxBacklog: total(payment, 'payment_outbox_unpublished_events'),
      consumerLag: total(sink, 'sink_consumer_lag_messages'),
      holdLatency: buckets(gateway, 'http_request_duration_seconds', { route: '/reservations', method: 'POST' }),
      payLatency: buckets(gateway, 'http_request_duration_seconds', { route: '/payments', method: 'POST' }),
    };
    res.set('Cache-Control', 'no-store').json(snapshot);
  });
  return router;
}
