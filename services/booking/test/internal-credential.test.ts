import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import { createLogger, createMetricsRegistry, listen, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../src/app';
import type { CatalogueReader } from '../src/domain/catalogue';
import type { ReservationService } from '../src/domain/reservation.service';

// Refused requests never reach the domain: these stand-ins fail the test if they ever are.
const unreachable = new Proxy({}, { get: () => () => { throw new Error('an unauthenticated request reached booking'); } });

const INTERNAL_TOKEN = 'booking-test-internal-token-0123456789';
const PAYMENT_TOKEN = 'booking-test-payment-token-0123456789';
const id = randomUUID();

/** Booking is reached only through the gateway (and payment): a direct call without the credential must be refused. */
describe('booking behind the internal credential', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = buildApp({
      logger: createLogger({ service: 'booking-test', level: 'silent' }),
      metrics: createMetricsRegistry('booking-test'),
      readiness: [],
      credentials: { gateway: INTERNAL_TOKEN, payment: PAYMENT_TOKEN },
      catalogue: unreachable as CatalogueReader,
      reservations: unreachable as ReservationService,
    });
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close());

  const routes: [string, string][] = [
    ['GET', '/concerts'],
    ['POST', '/reservations'],
    ['GET', `/reservations/${id}`],
    ['GET', `/internal/reservations/${id}`],
    ['POST', `/internal/reservations/${id}/confirm`],
    ['POST', `/internal/reservations/${id}/release`],
  ];
  const credentials: [string, Record<string, string>][] = [
    ['no credential, only a user id', { 'x-user-id': 'mallory' }],
    ['a guessed credential', { 'x-user-id': 'mallory', 'x-internal-token': 'guessed-credential-0000000000' }],
    ['the credential with a different case and padding', { 'x-internal-token': ` ${INTERNAL_TOKEN.toUpperCase()} ` }],
  ];

  it.each(routes.flatMap(([method, path]) => credentials.map(([label, headers]) => [method, path, label, headers] as const)))(
    'when %s %s is called directly with %s, then 401 AUTH.INTERNAL_CREDENTIAL_MISSING in the error shape',
    async (method, path, _label, headers) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-request-id': 'direct-call', ...headers },
        ...(method === 'POST' ? { body: JSON.stringify({ scheduleId: id, seatNo: 1, paymentId: randomUUID() }) } : {}),
      });

      expect(res.status).toBe(401);
      expect(ErrorBody.parse(await res.json())).toEqual({ code: 'AUTH.INTERNAL_CREDENTIAL_MISSING', message: expect.any(String), correlationId: 'direct-call' });
    },
  );

  it.each([
    ["the gateway's credential", INTERNAL_TOKEN, 'POST', `/internal/reservations/${id}/confirm`],
    ["the gateway's credential", INTERNAL_TOKEN, 'POST', `/internal/reservations/${id}/release`],
    ["the gateway's credential", INTERNAL_TOKEN, 'GET', `/internal/reservations/${id}`],
    ["payment's credential", PAYMENT_TOKEN, 'POST', '/reservations'],
    ["payment's credential", PAYMENT_TOKEN, 'GET', '/concerts'],
  ])('when a caller presents %s on a route meant for the other (%s %s), then 401 and nothing is done', async (_label, credential, method, path) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-internal-token': credential, 'x-user-id': 'mallory' },
      ...(method === 'POST' ? { body: JSON.stringify({ scheduleId: id, seatNo: 1, paymentId: randomUUID() }) } : {}),
    });

    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).code).toBe('AUTH.INTERNAL_CREDENTIAL_MISSING');
  });

  it('when probes and scrapers call without the credential, then health and metrics still answer', async () => {
    const [live, metrics] = await Promise.all([fetch(`${server.url}/health/live`), fetch(`${server.url}/metrics`)]);

    expect(live.status).toBe(200);
    expect(metrics.status).toBe(200);
  });
});
