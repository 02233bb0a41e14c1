import type { Router } from 'express';
import { apiDocuments } from '@ticketing/contracts';
import { createServiceApp, type ApiRoute, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** The hot routes, served ahead of the middleware chain: the queue's own and the forwarded ones (see wiring.ts). */
  fastRoutes: ApiRoute[];
  /** The event stream. */
  routes: Router[];
  /** OPS_TOKEN: /metrics and the readiness details answer only to it (the gateway faces the public). */
  operatorToken: string;
  /** TRUST_PROXY: whose X-Forwarded-For names the client (per-address limits). */
  trustProxy: readonly string[];
}

/**
 * The gateway serves while Redis or Postgres answers: the queue lives in Redis, and token checks fall
 * back to Postgres while Redis is down (Kafka only carries the token expiries, which wait for it). So
 * with one of them, or Kafka, missing it is `degraded`, not pulled from the load balancer.
 */
const servesWith = (up: ReadonlySet<string>) => up.has('redis') || up.has('postgres');

/** The gateway's HTTP app, built without listening (tests mount it on port 0). */
export function buildApp(deps: AppDependencies): ServiceApp {
  return createServiceApp({ ...deps, api: apiDocuments.gateway(), servesWith });
}
