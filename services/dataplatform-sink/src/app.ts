import { createServiceApp, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';
import { apiDocuments } from '@ticketing/contracts';
import type { SinkStatsReader } from './domain/stored-event';
import { statsRoutes } from './entry-points/http/stats.routes';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  stats: SinkStatsReader;
}

/** Sink's HTTP app, built without listening (tests mount it on port 0): health, metrics and the stats. */
export function buildApp(deps: AppDependencies): ServiceApp {
  return createServiceApp({ ...deps, api: apiDocuments.sink(), routes: [statsRoutes(deps.stats)] });
}
