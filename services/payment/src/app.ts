import type { Express } from 'express';
import { createServiceApp, type Logger, type ReadinessCheck, type Registry } from '@ticketing/service-kit';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
}

/** Payment's HTTP app, built without listening (tests mount it on port 0). */
export function buildApp(deps: AppDependencies): Express {
  return createServiceApp({ ...deps, routes: [] });
}
