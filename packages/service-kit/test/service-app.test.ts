import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError, createLogger, createMetricsRegistry, createServiceApp, listen, parseInput, type RunningServer } from '../src';
import { z } from 'zod';
import { logLines } from '@ticketing/devstack/testing';

describe('createServiceApp', () => {
  const { destination, lines: written } = logLines();
  let server: RunningServer;
  let readyAnswer = true;

  beforeAll(async () => {
    const routes = express.Router();
    routes.post('/things', (req, res) => {
      const body = parseInput(z.strictObject({ amount: z.number().int().positive() }), req.body);
      res.status(201).json(body);
    });
    routes.get('/conflict', () => {
      throw new AppError('BOOKING.SEAT_UNAVAILABLE', 'Seat is taken');
    });
    routes.get('/boom', async () => {
      throw new Error('secret internal detail');
    });
    const app = createServiceApp({
      logger: createLogger({ service: 'test', destination, level: 'debug' }),
      metrics: createMetricsRegistry('test'),
      readiness: [{ name: 'thing', check: async () => { if (!readyAnswer) throw new Error('thing is down'); } }],
      routes: [routes],
    });
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('when the body is malformed JSON, then 400 VALIDATION.MALFORMED_JSON with the correlation id of the request', async () => {
    const res = await post('{"amount": 1', { 'x-request-id': 'req-123' });

    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await res.json()).toEqual({ code: 'VALIDATION.MALFORMED_JSON', message: expect.any(String), correlationId: 'req-123' });
  });

  it('when the body breaks the schema, then 400 VALIDATION.INVALID_BODY naming the field', async () => {
    const res = await post(JSON.stringify({ amount: 1.5 }));
    const body = (await res.json()) as { code: string; message: string };

    expect(res.status).toBe(400);
    expect(body.code).toBe('VALIDATION.INVALID_BODY');
    expect(body.message).toContain('amount');
  });

  it('when the body is larger than the limit, then 413 VALIDATION.PAYLOAD_TOO_LARGE', async () => {
    const res = await post(JSON.stringify({ amount: 1, padding: 'x'.repeat(64 * 1024) }));

    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION.PAYLOAD_TOO_LARGE');
  });

  it('when a route throws an AppError, then its status and code are answered', async () => {
    const res = await fetch(`${server.url}/conflict`);

    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('BOOKING.SEAT_UNAVAILABLE');
  });

  it('when a route throws an unexpected error, then 500 COMMON.INTERNAL without any detail or stack', async () => {
    const res = await fetch(`${server.url}/boom`);
    const text = await res.text();

    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ code: 'COMMON.INTERNAL', message: 'Internal error' });
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('at ');
  });

  it('when no route matches, then 404 COMMON.NOT_FOUND in the same shape, with a generated request id', async () => {
    const res = await fetch(`${server.url}/nowhere`);
    const body = (await res.json()) as { code: string; correlationId: string };

    expect(res.status).toBe(404);
    expect(body.code).toBe('COMMON.NOT_FOUND');
    expect(body.correlationId).toBe(res.headers.get('x-request-id'));
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a client sends an unusable request id, then it is replaced rather than echoed', async () => {
    const res = await fetch(`${server.url}/health/live`, { headers: { 'x-request-id': 'bad id\twith spaces' } });

    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a dependency check fails, then /health/ready is 503 with that check marked not ok', async () => {
    readyAnswer = false;
    const down = await fetch(`${server.url}/health/ready`);
    readyAnswer = true;
    const up = await fetch(`${server.url}/health/ready`);

    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unready', checks: { thing: { ok: false, error: 'thing is down' } } });
    expect(up.status).toBe(200);
  });

  it('when requests were served, then /metrics reports them by route and status', async () => {
    await fetch(`${server.url}/conflict`);
    const text = await (await fetch(`${server.url}/metrics`)).text();

    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/conflict"[^}]*status_code="409"[^}]*\} [1-9]/);
  });

  it('when requests carry credentials, then no log line contains them', async () => {
    await fetch(`${server.url}/conflict`, {
      headers: { 'x-queue-token': 'queue-token-value-1234', authorization: 'Bearer jwt-value-5678', 'x-internal-token': 'internal-secret-9999' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const all = written.join('\n');

    expect(all).toContain('/conflict');
    for (const secret of ['queue-token-value-1234', 'jwt-value-5678', 'internal-secret-9999']) expect(all).not.toContain(secret);
  });
});
