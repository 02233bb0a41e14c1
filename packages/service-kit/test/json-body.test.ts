import { deflateSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { parseInput, type RunningServer } from '../src';
import { serveRoutes } from './support/serve-routes';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../src/http/json-body';

describe('createServiceApp: JSON bodies', () => {
  let server: RunningServer;
  let echoed = 0;

  beforeAll(async () => {
    const routes = express.Router();
    routes.post('/things', (req, res) => void res.status(201).json(parseInput(z.strictObject({ amount: z.int() }), req.body)));
    // Like the gateway's forwarding: serialises whatever body was parsed.
    routes.post('/echo', (req, res) => {
      echoed += 1;
      res.type('json').send(JSON.stringify(req.body));
    });
    server = await serveRoutes(routes);
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

  it('when a body within the size limit nests 8,000 arrays deep, then 400 VALIDATION.INVALID_BODY before any route serialises it (was a 500)', async () => {
    const deep = `{"amount":${'['.repeat(8_000)}${']'.repeat(8_000)}}`;

    const res = await fetch(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });

    expect({ status: res.status, code: ((await res.json()) as { code: string }).code, echoed }).toEqual({ status: 400, code: 'VALIDATION.INVALID_BODY', echoed: 0 });
  });

  it(`when a body nests exactly ${MAX_JSON_DEPTH} levels, then it reaches the route`, async () => {
    const body = `${'['.repeat(MAX_JSON_DEPTH - 1)}{}${']'.repeat(MAX_JSON_DEPTH - 1)}`;

    const res = await fetch(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect({ status: res.status, text: await res.text() }).toEqual({ status: 200, text: body });
  });
});

describe('nestsDeeperThan', () => {
  it.each([
    [1, 0, false], [{}, 1, false], [{}, 0, true], [{ a: [1, { b: null }] }, 3, false], [{ a: [1, { b: {} }] }, 3, true], ['x', 0, false],
  ] as const)('when %j is checked against %i levels, then %s', (value, max, expected) => {
    expect(nestsDeeperThan(value, max)).toBe(expected);
  });

  it('when a value nests 100,000 deep, then it answers without overflowing the stack', () => {
    let value: unknown = [];
    for (let i = 0; i < 100_000; i += 1) value = [value];

    expect(nestsDeeperThan(value, MAX_JSON_DEPTH)).toBe(true);
  });
});
