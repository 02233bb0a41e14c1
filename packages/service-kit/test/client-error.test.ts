import { Duplex } from 'node:stream';
import { connect } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import type { RunningServer } from '../src';
import { serveRoutes } from './support/serve-routes';
import { answerClientError } from '../src/http/client-error';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Requests Node's HTTP parser refuses never reach Express; the public API fuzz suite found that Node
 * then answers 400/431 with an empty body. These pin the fix: the same statuses, in the error shape.
 */
describe('listen: requests the HTTP parser refuses', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const routes = express.Router();
    routes.get('/things', (_req, res) => void res.json({ ok: true }));
    server = await serveRoutes(routes);
  });

  afterAll(() => server.close());

  /** Writes raw bytes on a fresh connection and reads until the server closes it or the answer is complete. */
  const raw = (bytes: string) =>
    new Promise<RawAnswer>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      const finish = () => {
        const end = received.indexOf('\r\n\r\n');
        const [statusLine = '', ...lines] = received.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        const text = received.slice(end + 4);
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text ? JSON.parse(text) : undefined });
      };
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
        const end = received.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(received.slice(0, end))?.[1];
        if (end !== -1 && length !== undefined && received.length - end - 4 >= Number(length)) socket.destroy();
      });
      socket.on('close', finish);
      socket.on('error', reject);
      socket.write(bytes, 'latin1');
    });

  const expectErrorShape = (answer: RawAnswer, status: number, code: string) => {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(ErrorBody.parse(answer.body)).toEqual({ code, message: expect.any(String), correlationId: answer.headers['x-request-id'] });
  };

  it('when the headers exceed the size limit, then 431 VALIDATION.HEADERS_TOO_LARGE as JSON with a request id', async () => {
    const answer = await raw(`GET /things HTTP/1.1\r\nHost: x\r\nX-Queue-Token: ${'A'.repeat(20_000)}\r\n\r\n`);

    expectErrorShape(answer, 431, 'VALIDATION.HEADERS_TOO_LARGE');
  });

  it.each([
    ['an unknown method', 'FUZZ /things HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header name with a space', 'GET /things HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
    ['a non-ASCII byte in the path', 'GET /th\u00e9ngs HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['Content-Length with Transfer-Encoding: chunked', 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ])('when the request has %s, then 400 VALIDATION.MALFORMED_REQUEST as JSON', async (_what, bytes) => {
    expectErrorShape(await raw(bytes), 400, 'VALIDATION.MALFORMED_REQUEST');
  });

  it('when an HTTP/1.1 request has no Host, then 400 VALIDATION.INVALID_HEADER from the app, with its request id', async () => {
    const answer = await raw('GET /things HTTP/1.1\r\nX-Request-Id: no-host-1\r\n\r\n');

    expectErrorShape(answer, 400, 'VALIDATION.INVALID_HEADER');
    expect(answer.headers['x-request-id']).toBe('no-host-1');
  });

  it('when an HTTP/1.0 request has no Host (which 1.0 allows), then it is served', async () => {
    const answer = await raw('GET /things HTTP/1.0\r\n\r\n');

    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { ok: true } });
  });

  it('when a refused request closed its connection, then the server still serves the next one', async () => {
    await raw(`GET /things HTTP/1.1\r\nHost: x\r\nX-Big: ${'A'.repeat(20_000)}\r\n\r\n`);

    const res = await fetch(`${server.url}/things`);
    expect(res.status).toBe(200);
  });

  it('when Node reports a request timeout (slow headers), then 408 VALIDATION.REQUEST_TIMEOUT is written and the connection ends', async () => {
    const written: Buffer[] = [];
    const socket = new Duplex({ read() {}, write(chunk: Buffer, _encoding, done) { written.push(chunk); done(); } });
    const ended = new Promise((resolve) => socket.once('finish', resolve));

    answerClientError(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket);
    await ended;

    const text = Buffer.concat(written).toString();
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'VALIDATION.REQUEST_TIMEOUT' });
  });
});
