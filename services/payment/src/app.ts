import express from 'express';
import { apiDocuments } from '@ticketing/contracts';
import { createServiceApp, internalApiRoutes, requireInternalCredential, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';
import type { BalanceService } from './domain/balance.service';
import type { PaymentService } from './domain/payment.service';
import { balanceRoutes } from './entry-points/http/balance.routes';
import { paymentRoutes } from './entry-points/http/payment.routes';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** INTERNAL_TOKEN: only callers presenting it (the gateway) reach payment's routes. */
  internalToken: string;
  balances: BalanceService;
  payments: PaymentService;
}

/** Payment's HTTP app, built without listening (tests mount it on port 0). Every route but health and metrics needs the internal credential. */
export function buildApp(deps: AppDependencies): ServiceApp {
  const fastRoutes = internalApiRoutes(deps.internalToken, [...balanceRoutes(deps.balances), ...paymentRoutes(deps.payments)]);
  // Any other path: the credential first (401 without it), then 404.
  const routes = express.Router().use(requireInternalCredential(deps.internalToken));
  return createServiceApp({ ...deps, api: apiDocuments.payment(), fastRoutes, routes: [routes] });
}
