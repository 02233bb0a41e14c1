import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { AppError, createLogger, createMetricsRegistry, createServiceApp, listen, parseInput, type ApiRoute, type Registry, type RunningServer } from '../src';

/** Routes written once; one app serves them through the fast lane, the other (access log on) through Express. */
const routes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/things',
    handle: async (req) => ({ status: 201, headers: { 'Cache-Control': 'no-store' }, body: parseInput(z.strictObject({ amount: z.number().int().positive() }), req.body) }),
  },
  {
    method: 'GET',
    path: '/things/:id',
    handle: async (req) => ({ status: 200, body: { id: req.params.id, query: { ...req.query }, search: req.search, ip: req.ip, requestId: req.requestId } }),
  },
  { method: 'DELETE', path: '/things/:id', handle: async () => ({ status: 204 }) },
  {
    method: 'GET',
    path: '/conflict',
    handle: async () => {
      throw new AppError('BOOKING.SEAT_UNAVAILABLE', 'Seat is taken', { headers: { 'Retry-After': '3' } });
    },
  },
  {
    method: 'GET',
    path: '/boom',
    handle: async () => {
      throw new Error('secret internal detail');
    },
  },
];

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

function send(server: RunningServer, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string | undefined>, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const nested = (depth: number): string => (depth === 0 ? '1' : `{"a":${nested(depth - 1)}}`);

/** Each case: the same request to both apps. */
const CASES: [string, string, string, Record<string, string>, (Buffer | string)?][] = [
  ['a valid body', 'POST', '/things', { ...json, 'x-request-id': 'req-1' }, '{"amount":2}'],
  ['malformed JSON', 'POST', '/things', { ...json, 'x-request-id': 'req-2' }, '{"amount":'],
  ['a bare JSON string (strict parsing)', 'POST', '/things', json, '"amount"'],
  ['a body nested 40 deep', 'POST', '/things', json, nested(40)],
  ['a gzip body', 'POST', '/things', { ...json, 'content-encoding': 'gzip' }, gzipSync('{"amount":3}')],
  ['a body over the limit', 'POST', '/things', json, JSON.stringify({ amount: 1, pad: 'x'.repeat(20_000) })],
  ['a text/plain body', 'POST', '/things', { 'content-type': 'text/plain' }, '{"amount":2}'],
  ['an empty JSON body', 'POST', '/things', { ...json, 'content-length': '0' }, ''],
  ['a charset other than UTF-8', 'POST', '/things', { 'content-type': 'application/json; charset=latin1' }, '{"amount":2}'],
  ['path parameters and a repeated query', 'GET', '/things/a%20b?x=1&x=2&y=%C3%A9', { 'x-request-id': 'req-3' }, undefined],
  ['a parameter that does not decode', 'GET', '/things/%E0%A4%A', {}, undefined],
  ['a trailing slash', 'GET', '/things/7/', {}, undefined],
  ['an upper-case path', 'GET', '/THINGS/7', {}, undefined],
  ['a forwarded address from a loopback proxy', 'GET', '/things/1', { 'x-forwarded-for': '203.0.113.9' }, undefined],
  ['an unacceptable request id', 'GET', '/things/1', { 'x-request-id': 'bad id\twith tab' }, undefined],
  ['a delete', 'DELETE', '/things/1', {}, undefined],
  ['a HEAD request', 'HEAD', '/things/1', {}, undefined],
  ['a method no route has', 'PUT', '/things', json, '{}'],
  ['an AppError with headers', 'GET', '/conflict', {}, undefined],
  ['an unexpected error', 'GET', '/boom', {}, undefined],
];

/** What must be equal between the lanes: status, body (request ids aside), the headers clients rely on. */
function comparable(answer: Answer, sentId: string | undefined) {
  const generated = answer.headers['x-request-id'];
  const body = generated && generated !== sentId ? answer.body.split(generated).join('<generated id>') : answer.body;
  return {
    status: answer.status,
    body,
    contentType: answer.headers['content-type'],
    cacheControl: answer.headers['cache-control'],
    retryAfter: answer.headers['retry-after'],
    requestId: sentId && answer.headers['x-request-id'] === sentId ? 'echoed' : typeof generated,
  };
}

describe('fast lane', () => {
  const metrics: Record<'fast' | 'chain', Registry> = { fast: createMetricsRegistry('test'), chain: createMetricsRegistry('test') };
  const servers: Partial<Record<'fast' | 'chain', RunningServer>> = {};
  let fastApp: unknown;

  beforeAll(async () => {
    for (const lane of ['fast', 'chain'] as const) {
      // The access log (debug) needs the chain, so the debug app serves every request through Express.
      const logger = createLogger({ service: 'test', destination: new PassThrough(), level: lane === 'fast' ? 'info' : 'debug' });
      const app = createServiceApp({ logger, metrics: metrics[lane], readiness: [], routes: [], fastRoutes: routes });
      if (lane === 'fast') fastApp = app;
      servers[lane] = await listen(app, 0, '127.0.0.1');
    }
  });

  afterAll(() => Promise.all(Object.values(servers).map((server) => server.close())));

  it('is what the app serves when no access log is wanted (the chain otherwise)', () => {
    expect(fastApp).not.toHaveProperty('use');
  });

  it.each(CASES)('answers %s exactly as the middleware chain does', async (_name, method, path, headers, body) => {
    const [fast, chain] = await Promise.all([send(servers.fast!, method, path, headers, body), send(servers.chain!, method, path, headers, body)]);

    expect(comparable(fast, headers['x-request-id'])).toEqual(comparable(chain, headers['x-request-id']));
    expect(fast.status).toBeLessThan(method === 'GET' && path === '/boom' ? 501 : 500);
  });

  it('records every answer in the latency histogram under the route template, as the chain does', async () => {
    const counts = async (lane: 'fast' | 'chain') => {
      const metric = await metrics[lane].getSingleMetric('http_request_duration_seconds')!.get();
      return metric.values
        .filter((value) => (value as { metricName?: string }).metricName === 'http_request_duration_seconds_count')
        .map((value) => `${String(value.labels.method)} ${String(value.labels.route)} ${String(value.labels.status_code)} ${value.value}`)
        .sort();
    };

    expect(await counts('fast')).toEqual(await counts('chain'));
    expect(await counts('fast')).toContain('GET /things/:id 200 5');
  });
});
