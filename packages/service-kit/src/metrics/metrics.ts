import type { Request, RequestHandler, Router } from 'express';
import express from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { operatorCredentialMissing } from '../http/internal-auth';

export type { Registry } from 'prom-client';

/** One registry per service process, with Node's default metrics and an HTTP latency histogram. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type HttpDuration = Histogram<'method' | 'route' | 'status_code'>;

/** The HTTP latency histogram, by method, matched route (not raw URL, to keep cardinality bounded) and status. */
export function httpDuration(registry: Registry): HttpDuration {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/** Records every response's latency in `duration`. */
export function httpMetrics(duration: HttpDuration): RequestHandler {
  return (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}

/** `GET /metrics` in the Prometheus text format; only to callers `mayRead` lets through (401 otherwise), when given. */
export function metricsRouter(registry: Registry, mayRead?: (req: Request) => boolean): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (mayRead && !mayRead(req)) throw operatorCredentialMissing();
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
