import cluster from 'node:cluster';
import type { Request, RequestHandler, Router } from 'express';
import express from 'express';
import { AggregatorRegistry, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { operatorCredentialMissing } from '../http/internal-auth';

export type { Registry } from 'prom-client';

/**
 * One registry per service process, with Node's default metrics and an HTTP latency histogram. In one
 * of several processes on a port (superviseWorkers) it is also what this process contributes when the
 * primary merges every process's metrics.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  if (cluster.isWorker) {
    // Constructing one installs prom-client's answer to the primary's requests in this process.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return registry;
}

/*
 * Several processes on one port: whichever takes the scrape asks the primary, which gathers every
 * process's metrics (prom-client's AggregatorRegistry: counters and histograms summed, gauges as each
 * declares with `aggregator`) and answers with the merged text.
 */
const AGGREGATE = 'ticketing:metrics:aggregate';
const AGGREGATED = 'ticketing:metrics:aggregated';
interface AggregatedReply { type: typeof AGGREGATED; id: number; text?: string; error?: string }
const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In the primary: answer the processes' requests for the merged metrics of all of them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<{ type: typeof AGGREGATE; id: number }>(message, AGGREGATE)) return;
    const reply = (fields: Partial<AggregatedReply>) => worker.isConnected() && worker.send({ type: AGGREGATED, id: message.id, ...fields });
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: String(error) }),
    );
  });
}

const waiting = new Map<number, (reply: AggregatedReply) => void>();
let lastId = 0;
let listening = false;

/** The merged metrics of every process, from the primary (rejects after `timeoutMs`). */
function clusterMetrics(timeoutMs = 5_000): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      if (isMessage<AggregatedReply>(message, AGGREGATED)) waiting.get(message.id)?.(message);
    });
  }
  return new Promise((resolve, reject) => {
    const id = ++lastId;
    const timer = setTimeout(() => settle({ type: AGGREGATED, id, error: `no answer from the primary within ${timeoutMs} ms` }), timeoutMs);
    const settle = (reply: AggregatedReply) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (reply.text !== undefined) resolve(reply.text);
      else reject(new Error(reply.error));
    };
    waiting.set(id, settle);
    process.send?.({ type: AGGREGATE, id });
  });
}

/** This service's metrics: of every process when it runs several on one port, else of this one. */
async function readMetrics(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  // Should the primary not answer, this process's own figures are better than no scrape.
  return clusterMetrics().catch(() => registry.metrics());
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
    res.type(registry.contentType).send(await readMetrics(registry));
  });
  return router;
}
