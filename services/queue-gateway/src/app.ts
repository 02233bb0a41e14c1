import type { Express, Router } from 'express';
import { createServiceApp, type Logger, type ReadinessCheck, type Registry } from '@ticketing/service-kit';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** The queue routes, then the protected routes forwarded to booking and payment (see main.ts). */
  routes: Router[];
}

/** The gateway's HTTP app, built without listening (tests mount it on port 0). */
export function buildApp(deps: AppDependencies): Express {
  return createServiceApp(deps);
}
