import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUpstream, UpstreamUnavailableError } from '../src';

/*
 * Security review, point 10: a forwarded call waiting for a socket had no deadline (undici's timeouts
 * start once a socket is assigned) and the line of such calls no bound.
 */
describe('an upstream whose sockets are all busy', () => {
  let server: Server;
  const held: ServerResponse[] = [];
  let url: string;

  beforeAll(async () => {
    // Answers nothing until told to: every socket stays busy.
    server = createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('when calls queue beyond the bound, then the extra one is refused at once; the queued ones fail at the deadline, not after the headers timeout', async () => {
    const upstream = createUpstream({ name: 'busy', url, connections: 1, maxQueued: 2, timeouts: { headersMs: 60_000, deadlineMs: 300 } });
    try {
      const calls = Array.from({ length: 4 }, () => upstream.request({ method: 'GET', path: '/', headers: {} }));
      const outcomes = await Promise.allSettled(calls);

      const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error) : undefined));
      expect(reasons.every((reason) => reason instanceof UpstreamUnavailableError)).toBe(true);
      expect(reasons.map((reason) => /saturated/.test(reason?.message ?? ''))).toEqual([false, false, false, true]);
      expect(reasons.slice(0, 3).map((reason) => reason?.message)).toEqual(Array(3).fill('busy did not answer: no answer within 300 ms'));

      // Every slot was given back: the next call gets through once the upstream answers.
      const next = upstream.request({ method: 'GET', path: '/', headers: {} });
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const res of held.splice(0)) if (!res.writableEnded) res.end('ok');
      const answer = await next;
      expect(answer.status).toBe(200);
      answer.body.resume();
    } finally {
      await upstream.close();
    }
  });
});
