import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger, createMetricsRegistry, createServiceApp, env, listen, parseEnv, type ApiRoute, type RunningServer } from '../src';
import { z } from 'zod';

const logger = createLogger({ service: 'test', level: 'silent' });
const whoAmI: ApiRoute[] = [{ method: 'GET', path: '/whoami', handle: async (req) => ({ status: 200, body: { ip: req.ip } }) }];
const OPERATOR = 'operator-token-0123456789';
const up = { redis: true, postgres: true };

/*
 * Security review, points 5, 9 and 12, on the app every service is built from: readiness that can be
 * degraded but serving, the operator credential in front of /metrics and readiness details, and the
 * trusted proxies as configured.
 */
describe('a public-facing service app (operator token, servesWith, trusted proxies)', () => {
  let server: RunningServer;
  let checksRun = 0;
  /** While set, every check waits for it: a check held open until the test lets it answer. */
  let held: Promise<void> | undefined;

  beforeAll(async () => {
    const app = createServiceApp({
      logger,
      metrics: createMetricsRegistry('ops-test'),
      readiness: (['redis', 'postgres'] as const).map((name) => ({
        name,
        check: async () => {
          checksRun += 1;
          await held;
          if (!up[name]) throw new Error(`${name} at 10.1.2.3:6379 refused the connection`);
        },
      })),
      servesWith: (answering) => answering.has('redis') || answering.has('postgres'),
      operatorToken: OPERATOR,
      fastRoutes: whoAmI,
      routes: [],
      trustProxy: ['10.0.0.0/8'],
    });
    server = await listen(app, 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, { headers });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  const asOperator = { authorization: `Bearer ${OPERATOR}` };
  const pastCache = () => new Promise((resolve) => setTimeout(resolve, 1_050));

  it('when /metrics is asked without the operator credential, then 401; with it, the metrics', async () => {
    expect(await get('/metrics')).toMatchObject({ status: 401, body: { code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' } });
    expect((await fetch(`${server.url}/metrics`, { headers: asOperator })).status).toBe(200);
  });

  it('when one dependency it serves without is down, then 200 degraded; the error text only to the operator', async () => {
    up.redis = false;
    await pastCache();
    expect(await get('/health/ready')).toEqual({ status: 200, body: { status: 'degraded' } });
    const detailed = await get('/health/ready', asOperator);
    expect(detailed).toMatchObject({ status: 200, body: { status: 'degraded', checks: { redis: { ok: false, error: expect.stringContaining('refused') }, postgres: { ok: true } } } });
    up.redis = true;
  });

  it('when both are down, then 503 unready; once back, 200 ready', async () => {
    up.redis = false;
    up.postgres = false;
    await pastCache();
    expect(await get('/health/ready')).toEqual({ status: 503, body: { status: 'unready' } });
    up.redis = true;
    up.postgres = true;
    await pastCache();
    expect(await get('/health/ready')).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('when probed 200 times while a check runs, then the dependencies are checked once, not 200 times', async () => {
    await pastCache();
    const before = checksRun;
    // The check is held open until all 200 probes have reached the server, however long a busy machine
    // takes to deliver them (longer than the cache's second, too): every probe meets the running check.
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    const count = (req: { url?: string }) => {
      if (req.url === '/health/ready' && ++arrived === 200) release();
    };
    server.server.on('request', count);
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, () => get('/health/ready')));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
    } finally {
      server.server.off('request', count);
      held = undefined;
    }
    expect(checksRun - before).toBe(2);
  });

  it('when a client on loopback (not a trusted proxy here) sends X-Forwarded-For, then its own address counts, not the forged one', async () => {
    expect((await get('/whoami', { 'x-forwarded-for': '203.0.113.9' })).body.ip).toBe('127.0.0.1');
  });

  it('when TRUST_PROXY is not a list of addresses, subnets or proxy-addr names, then the config is refused naming it', () => {
    const schema = z.object({ TRUST_PROXY: env.trustedProxies('loopback') });
    expect(parseEnv(schema, { TRUST_PROXY: '10.0.0.0/8, loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', 'loopback']);
    expect(() => parseEnv(schema, { TRUST_PROXY: 'my-load-balancer' })).toThrow(/TRUST_PROXY/);
  });
});

describe('TRUST_PROXY naming the proxy in front', () => {
  it('when the trusted proxy (here: loopback) forwards a client address, then that address counts', async () => {
    const server = await listen(createServiceApp({ logger, metrics: createMetricsRegistry('proxy-test'), readiness: [], fastRoutes: whoAmI, routes: [], trustProxy: ['loopback'] }), 0, '127.0.0.1');
    try {
      const res = await fetch(`${server.url}/whoami`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(((await res.json()) as { ip: string }).ip).toBe('203.0.113.9');
    } finally {
      await server.close();
    }
  });
});
