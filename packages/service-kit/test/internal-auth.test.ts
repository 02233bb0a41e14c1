import { PassThrough } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import {
  callerUserId,
  createLogger,
  createMetricsRegistry,
  createServiceApp,
  internalApiRoutes,
  internalHeaders,
  listen,
  requireInternalCredential,
  runWithCorrelationId,
  type RunningServer,
  type ServiceApp,
} from '../src';

const SECRET = 'internal-secret-for-tests-0123456789';

/** The same two routes, guarded by the Express middleware or written as internal ApiRoutes (the fast lane). */
function guardedApp(style: 'middleware' | 'internalApiRoutes', reached: { userId: string | undefined }[]): ServiceApp {
  const options = { logger: createLogger({ service: 'test', destination: new PassThrough() }), metrics: createMetricsRegistry('test'), readiness: [] };
  if (style === 'internalApiRoutes') {
    const fastRoutes = internalApiRoutes(SECRET, [
      {
        method: 'GET',
        path: '/whoami',
        handle: async (_req, caller) => {
          reached.push({ userId: caller.userId });
          return { status: 200, body: { userId: caller.userId ?? null } };
        },
      },
      { method: 'POST', path: '/act', handle: async (_req, caller) => ({ status: 200, body: { actingFor: callerUserId(caller) } }) },
    ]);
    return createServiceApp({ ...options, fastRoutes, routes: [] });
  }
  const routes = express.Router();
  routes.use(requireInternalCredential(SECRET));
  routes.get('/whoami', (_req, res) => {
    reached.push({ userId: res.locals.userId });
    res.json({ userId: res.locals.userId ?? null });
  });
  routes.post('/act', (_req, res) => {
    res.json({ actingFor: callerUserId(res.locals) });
  });
  return createServiceApp({ ...options, routes: [routes] });
}

describe.each(['middleware', 'internalApiRoutes'] as const)('the internal credential (%s)', (style) => {
  let server: RunningServer;
  /** What the guarded route saw, so tests assert on what reached it, not only on status codes. */
  const reached: { userId: string | undefined }[] = [];

  beforeAll(async () => {
    const app = guardedApp(style, reached);
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

  it('when the credential is missing, then 401 AUTH.INTERNAL_CREDENTIAL_MISSING in the error shape and the route is not reached', async () => {
    const before = reached.length;

    const res = await get('/whoami', { 'x-user-id': 'mallory', 'x-request-id': 'req-no-cred' });

    expect(res.status).toBe(401);
    const body = ErrorBody.parse(await res.json());
    expect(body).toEqual({ code: 'AUTH.INTERNAL_CREDENTIAL_MISSING', message: expect.any(String), correlationId: 'req-no-cred' });
    expect(reached).toHaveLength(before);
  });

  it.each([
    ['a wrong value of the same length', SECRET.replace(/.$/, 'X')],
    ['a prefix of the secret', SECRET.slice(0, 10)],
    ['the secret with a suffix', `${SECRET}x`],
    ['an empty value', ''],
  ])('when the credential is %s, then 401 and the route is not reached', async (_label, presented) => {
    const before = reached.length;

    const res = await get('/whoami', { 'x-internal-token': presented, 'x-user-id': 'mallory' });

    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('AUTH.INTERNAL_CREDENTIAL_MISSING');
    expect(reached).toHaveLength(before);
  });

  it('when the credential and a user id are sent, then the route sees that user', async () => {
    const res = await get('/whoami', internalHeaders({ token: SECRET, userId: 'alice_01', requestId: 'req-1' }));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'alice_01' });
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(reached.at(-1)).toEqual({ userId: 'alice_01' });
  });

  it('when the user id is malformed or repeated, then 400 VALIDATION.INVALID_HEADER and the route is not reached', async () => {
    const before = reached.length;
    const repeated = new Headers({ 'x-internal-token': SECRET });
    repeated.append('x-user-id', 'alice');
    repeated.append('x-user-id', 'bob');

    const bad = await get('/whoami', { 'x-internal-token': SECRET, 'x-user-id': 'not a user id!' });
    const twice = await fetch(`${server.url}/whoami`, { headers: repeated });

    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('VALIDATION.INVALID_HEADER');
    expect(twice.status).toBe(400);
    expect(reached).toHaveLength(before);
  });

  it('when a user route is called with the credential but without a user id, then 401 rather than acting for nobody', async () => {
    const res = await fetch(`${server.url}/act`, { method: 'POST', headers: internalHeaders({ token: SECRET }) });

    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('AUTH.INTERNAL_CREDENTIAL_MISSING');
  });

  it('when health or metrics are probed without the credential, then they answer 200', async () => {
    const live = await get('/health/live');
    const metrics = await get('/metrics');

    expect(live.status).toBe(200);
    expect(metrics.status).toBe(200);
  });
});

describe('internalHeaders', () => {
  it('when called inside a request context without a request id, then the current correlation id is sent', () => {
    const headers = runWithCorrelationId('corr-42', () => internalHeaders({ token: SECRET, userId: 'u1' }));

    expect(headers).toEqual({ 'X-Internal-Token': SECRET, 'X-User-Id': 'u1', 'X-Request-Id': 'corr-42' });
  });

  it('when no user id is given, then no X-User-Id header is sent', () => {
    expect(internalHeaders({ token: SECRET, requestId: 'r' })).toEqual({ 'X-Internal-Token': SECRET, 'X-Request-Id': 'r' });
  });
});
