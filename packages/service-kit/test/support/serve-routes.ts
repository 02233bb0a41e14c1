import { PassThrough } from 'node:stream';
import type { Router } from 'express';
import { createLogger, createMetricsRegistry, createServiceApp, listen, type RunningServer } from '../../src';

/** `routes` in service-kit's app (no readiness checks, logs dropped) on a free port of 127.0.0.1. */
export function serveRoutes(routes: Router, options: { logLevel?: string } = {}): Promise<RunningServer> {
  const app = createServiceApp({
    logger: createLogger({ service: 'test', destination: new PassThrough(), level: options.logLevel ?? 'info' }),
    metrics: createMetricsRegistry('test'),
    readiness: [],
    routes: [routes],
  });
  return listen(app, 0, '127.0.0.1');
}
