import type { Router } from 'express';
import { createServiceApp, type ApiRoute, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** The hot routes, served ahead of the middleware chain: the queue's own and the forwarded ones (see main.ts). */
  fastRoutes: ApiRoute[];
  /** The event stream, and the 405 answers of the forwarded paths. */
  routes: Router[];
}

/** The gateway's HTTP app, built without listening (tests mount it on port 0). */
export function buildApp(deps: AppDependencies): ServiceApp {
  return createServiceApp(deps);
}
