import { PassThrough } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { createLogger, createMetricsRegistry, createServiceApp, listen, parseInput, type RunningServer } from '../src';

describe('createServiceApp: JSON bodies with a Content-Encoding', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const routes = express.Router();
    routes.post('/things', (req, res) => void res.status(201).json(parseInput(z.strictObject({ amount: z.int() }), req.body)));
    const app = createServiceApp({
      logger: createLogger({ service: 'test', destination: new PassThrough(), level: 'info' }),
      metrics: createMetricsRegistry('test'),
      readiness: [],
      routes: [routes],
    });
    server = await listen(app, 0, '127.0.0.1');
  });

  afterAll(() => server.close());

  const post = async (body: string | Buffer, encoding: string) => {
    const res = await fetch(`${server.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
    return { status: res.status, body: (await res.json()) as { code?: string } };
  };

  it.each(['gzip', 'deflate'])('when a %s body is really plain bytes, then 400 VALIDATION.MALFORMED_JSON (a body error, not a path parameter one)', async (encoding) => {
    const answer = await post('{"amount":1}', encoding);

    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: 'VALIDATION.MALFORMED_JSON' });
  });

  it('when a gzip body is truncated, then 400 VALIDATION.MALFORMED_JSON', async () => {
    const answer = await post(gzipSync('{"amount":1}').subarray(0, 12), 'gzip');

    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: 'VALIDATION.MALFORMED_JSON' });
  });

  it('when the body really is gzip or deflate, then it is read', async () => {
    expect(await post(gzipSync('{"amount":1}'), 'gzip')).toEqual({ status: 201, body: { amount: 1 } });
    expect(await post(deflateSync('{"amount":2}'), 'deflate')).toEqual({ status: 201, body: { amount: 2 } });
  });

  it('when the encoding is unknown, then 415 VALIDATION.UNSUPPORTED_MEDIA_TYPE as before', async () => {
    const answer = await post('{"amount":1}', 'x-fuzz');

    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 415, code: 'VALIDATION.UNSUPPORTED_MEDIA_TYPE' });
  });
});
