import express, { type Router } from 'express';
import type { OpsSnapshot } from '@ticketing/contracts';
import { requireBearer, type Registry } from '@ticketing/service-kit';
import { buckets, parseMetrics, total } from '../../domain/ops-snapshot';
import type { QueueStats } from './queue.routes';

export interface OpsRoutesDependencies {
  operatorToken: string;
  /** The queue's figures, as `GET /queue/stats` reads them (`readQueueStats`). */
  queueStats: () => Promise<QueueStats>;
  metrics: Registry;
  /** The other services' `/metrics` text, or undefined when one does not answer. */
  scrape: () => Promise<{ payment?: string; sink?: string }>;
}

/** `GET /ops/snapshot`: the dashboard's data, behind the operator credential (the page itself holds no data). */
export function opsRoutes(deps: OpsRoutesDependencies): Router {
  const router = express.Router();
  router.get('/ops/snapshot', requireBearer(deps.operatorToken), async (_req, res) => {
    const [stats, own, others] = await Promise.all([deps.queueStats().catch(() => undefined), deps.metrics.metrics(), deps.scrape()]);
    const gateway = parseMetrics(own);
    const payment = others.payment === undefined ? undefined : parseMetrics(others.payment);
    const sink = others.sink === undefined ? undefined : parseMetrics(others.sink);
    const snapshot: OpsSnapshot = {
      at: Date.now(),
      queue: stats
        ? {
            waiting: stats.waiting,
            active: stats.active,
            limit: stats.maxActive,
            admissionRatePerSecond: stats.admissionRatePerSecond,
            connectedWaiters: stats.connectedWaiters,
            breaker: stats.breaker,
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
