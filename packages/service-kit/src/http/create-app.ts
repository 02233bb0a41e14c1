import express, { type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { OpenApiDocument } from '@ticketing/contracts';
import { apiDocsRouter, methodNotAllowedRouter } from './api-docs';
import { errorHandler, notFoundHandler } from '../errors/error-handler';
import { healthRouter, type ReadinessCheck, type ReadinessOptions } from '../health/readiness';
import { httpDuration, httpMetrics, metricsRouter } from '../metrics/metrics';
import { expressHandler, type ApiRoute } from './api-route';
import { fastLane, type ServiceApp } from './fast-lane';
import { requireHostHeader } from './host-header';
import { jsonBody } from './json-body';
import { redactQuerySecrets } from '../logger/logger';
import { requestId } from './request-id';
import { hasBearer } from './internal-auth';

export interface ServiceAppOptions {
  logger: Logger;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
  /** Which dependencies the service still serves with, when some are down (`degraded`); default: none missing. */
  servesWith?: ReadinessOptions['servesWith'];
  /**
   * The operator credential (`Authorization: Bearer <it>`) for a service that faces the public: `/metrics`
   * then answers only with it, `/health/ready` shows its checks only with it and checks at most once a
   * second however often it is probed. `/health/live` stays open.
   */
  operatorToken?: string;
  /** The service's own routes, mounted after the shared middleware and before the error handlers. */
  routes: readonly Router[];
  /**
   * The hottest routes, written once as ApiRoutes: plain requests to them are served by the fast lane
   * before the middleware chain, the rest by the same handlers mounted ahead of `routes`.
   */
  fastRoutes?: readonly ApiRoute[];
  /** The proxies whose X-Forwarded-For is believed (see `env.trustedProxies`); default loopback only. */
  trustProxy?: readonly string[];
  /**
   * The service's OpenAPI document: served at `/openapi.json` with Swagger UI at `/docs`, and its paths
   * answer `405` with `Allow` to a method they do not take.
   */
  api?: OpenApiDocument;
  /** Largest JSON body accepted, in bytes; larger ones get 413. Our bodies are a few fields, so this stays small. */
  bodyLimitBytes?: number;
}

/**
 * Builds (does not start) an Express app with what every service shares: request ids and correlation
 * context, access logs, JSON parsing with a size limit, health and metrics endpoints, and one error
 * shape for every failure. Tests import this and listen on port 0.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = express();
  const bodyLimitBytes = options.bodyLimitBytes ?? 16 * 1024;
  const duration = httpDuration(options.metrics);
  app.disable('x-powered-by');
  const trustProxy = [...(options.trustProxy ?? ['loopback'])];
  app.set('trust proxy', trustProxy);
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
  app.use(httpMetrics(duration));
  app.use(jsonBody(bodyLimitBytes));
  const isOperator = options.operatorToken === undefined ? undefined : hasBearer(options.operatorToken);
  const mayInspect = isOperator && ((req: express.Request) => isOperator(req.headers));
  app.use(healthRouter(options.readiness, { servesWith: options.servesWith, mayInspect, cacheMs: mayInspect ? 1_000 : 0 }));
  app.use(metricsRouter(options.metrics, mayInspect));
  if (options.api) app.use(apiDocsRouter(options.api));
  const fastRoutes = options.fastRoutes ?? [];
  for (const route of fastRoutes) app[route.method.toLowerCase() as 'get' | 'post' | 'delete'](route.path, expressHandler(route.handle));
  for (const router of options.routes) app.use(router);
  if (options.api) app.use(methodNotAllowedRouter(options.api));
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  // With the access log on, every request goes through the chain that writes it.
  if (fastRoutes.length === 0 || options.logger.isLevelEnabled('debug')) return app;
  return fastLane({ routes: fastRoutes, fallback: app, duration, logger: options.logger, bodyLimitBytes, trustProxy });
}
