import express from 'express';
import { apiDocuments } from '@ticketing/contracts';
import { createServiceApp, internalApiRoutes, requireInternalCredential, type Logger, type ReadinessCheck, type Registry, type ServiceApp } from '@ticketing/service-kit';
import type { CatalogueReader } from './domain/catalogue';
import type { ReservationService } from './domain/reservation.service';
import { catalogueRoutes } from './entry-points/http/catalogue.routes';
import { internalRoutes } from './entry-points/http/internal.routes';
import { reservationRoutes } from './entry-points/http/reservation.routes';

export interface AppDependencies {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** Who may call: the gateway (INTERNAL_TOKEN) on the routes it forwards, payment (PAYMENT_INTERNAL_TOKEN) on /internal. */
  credentials: { gateway: string; payment: string };
  catalogue: CatalogueReader;
  reservations: ReservationService;
}

/**
 * Booking's HTTP app, built without listening (tests mount it on port 0). Every route but health and
 * metrics needs a caller's credential: the gateway's on the public routes it forwards, payment's on
 * /internal, so the gateway cannot confirm or release a reservation.
 */
export function buildApp(deps: AppDependencies): ServiceApp {
  const fastRoutes = internalApiRoutes(deps.credentials.gateway, [...catalogueRoutes(deps.catalogue), ...reservationRoutes(deps.reservations, deps.catalogue)]);
  // Payment's read, confirm and release, and any other path: payment's credential first (401 without it).
  const routes = express.Router().use(requireInternalCredential(deps.credentials.payment), internalRoutes(deps.reservations));
  return createServiceApp({ ...deps, api: apiDocuments.booking(), fastRoutes, routes: [routes] });
}
