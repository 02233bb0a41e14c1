import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import { createLogger, createMetricsRegistry, listen, type RunningServer } from '@ticketing/service-kit';
import { buildApp } from '../src/app';
import type { BalanceService } from '../src/domain/balance.service';
import type { PaymentService } from '../src/domain/payment.service';

// Refused requests never reach the services: these stand-ins fail the test if they ever do.
const unreachable = new Proxy({}, { get: () => () => { throw new Error('an unauthenticated request reached a service'); } });

const INTERNAL_TOKEN = 'payment-test-internal-token-0123456789';

/** Payment is reached only through the gateway: a direct call without its credential must be refused. */
describe('payment behind the internal credential', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = buildApp({
      logger: createLogger({ service: 'payment-test', level: 'silent' }),
      metrics: createMetricsRegistry('payment-test'),
      readiness: [],
      internalToken: INTERNAL_TOKEN,
      balances: unreachable as BalanceService,
      payments: unreachable as PaymentService,
    });
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close());

  it.each([
    ['GET', '/balance', {}],
    ['POST', '/balance/charge', { 'x-user-id': 'mallory' }],
    ['POST', '/payments', { 'x-user-id': 'mallory', 'x-internal-token': 'guessed-credential-0000000000' }],
  ])('when %s %s is called directly without the credential, then 401 AUTH.INTERNAL_CREDENTIAL_MISSING in the error shape', async (method, path, headers) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-request-id': 'direct-call', ...headers },
      ...(method === 'POST' ? { body: JSON.stringify({ amount: 1_000 }) } : {}),
    });

    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json())).toEqual({ code: 'AUTH.INTERNAL_CREDENTIAL_MISSING', message: expect.any(String), correlationId: 'direct-call' });
  });

  it('when probes and scrapers call without the credential, then health and metrics still answer', async () => {
    const [live, metrics] = await Promise.all([fetch(`${server.url}/health/live`), fetch(`${server.url}/metrics`)]);

    expect(live.status).toBe(200);
    expect(metrics.status).toBe(200);
  });
});
