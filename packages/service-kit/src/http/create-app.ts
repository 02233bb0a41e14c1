import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler } from '../errors/error-handler';
import { healthRouter, type ReadinessCheck } from '../health/readiness';
import { httpMetrics, metricsRouter } from '../metrics/metrics';
import { requireHostHeader } from './host-header';
import { jsonBody } from './json-body';
import { redactQuerySecrets } from '../logger/logger';
import { requestId } from './request-id';

export interface ServiceAppOptions {
  logger: Logger;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
  /** The service's own routes, mounted after the shared middleware and before the error handlers. */
  routes: readonly Router[];
  /** Largest JSON body accepted; larger ones get 413. Our bodies are a few fields, so this stays small. */
  bodyLimit?: string;
}

/**
 * Builds (does not start) an Express app with what every service shares: request ids and correlation
 * context, access logs, JSON parsing with a size limit, health and metrics endpoints, and one error
 * shape for every failure. Tests import this and listen on port 0.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use(requireHostHeader);
  // One access-log line per request costs real throughput in a rush, so the access log is on only
  // at LOG_LEVEL=debug (or finer); failures are logged by the error handler at every level.
  if (options.logger.isLevelEnabled('debug')) {
    app.use(
      pinoHttp({
        logger: options.logger,
        genReqId: (req) => (req as { id?: string }).id ?? '',
        // Probes and scrapes would drown the log.
        autoLogging: { ignore: (req) => req.url === '/metrics' || req.url?.startsWith('/health/') === true },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'debug'),
        serializers: { req: (req) => ({ id: req.id, method: req.method, url: redactQuerySecrets(req.url ?? '') }), res: (res) => ({ statusCode: res.statusCode }) },
      }),
    );
  }
  app.use(httpMetrics(options.metrics));
  app.use(jsonBody(options.bodyLimit ?? '16kb'));
  app.use(healthRouter(options.readiness));
  app.use(metricsRouter(options.metrics));
  for (const router of options.routes) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
