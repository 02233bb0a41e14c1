import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import { freePort } from '@ticketing/devstack/testing';
import { activeTokens, gatewayRig, INTERNAL_TOKEN, startGateway, through, type Gateway } from './support/gateway-fixture';

const forgedToken = () => randomBytes(32).toString('base64url');

const rig = gatewayRig({ schema: 'fwd' });
let alice: string;
let bob: string;
let waiting: string;

beforeAll(async () => {
  [alice, bob] = await activeTokens(rig.store, ['alice', 'bob']);
  waiting = (await rig.store.issue('wendy', Date.now())).token;
});

const reachedUpstream = () => rig.booking.received.length + rig.payment.received.length;

describe('protected routes: who gets through', () => {
  it.each([
    ['no token', undefined],
    ['a malformed token', 'not a token'],
    ['a forged token of the right shape', forgedToken()],
  ])('when the call carries %s, then 401 QUEUE.TOKEN_INVALID and nothing reaches booking or payment', async (_label, token) => {
    const before = reachedUpstream();

    const answer = await through(rig.gateway, '/balance', { token });

    expect(answer.status).toBe(401);
    expect(ErrorBody.parse(answer.body).code).toBe('QUEUE.TOKEN_INVALID');
    expect(reachedUpstream()).toBe(before);
  });

  it('when an active token is tampered with (one character changed), then 401 and nothing is forwarded', async () => {
    const before = reachedUpstream();
    const tampered = alice.slice(0, -1) + (alice.endsWith('A') ? 'B' : 'A');

    const answer = await through(rig.gateway, '/payments', { method: 'POST', token: tampered, body: { reservationId: randomUUID() } });

    expect(answer.status).toBe(401);
    expect(reachedUpstream()).toBe(before);
  });

  it('when the token is still waiting, then 403 QUEUE.TOKEN_NOT_ACTIVE and nothing is forwarded', async () => {
    const before = reachedUpstream();

    const answer = await through(rig.gateway, '/concerts', { token: waiting });

    expect(answer.status).toBe(403);
    expect(ErrorBody.parse(answer.body).code).toBe('QUEUE.TOKEN_NOT_ACTIVE');
    expect(reachedUpstream()).toBe(before);
  });

  it("when a client sends its own X-User-Id and X-Internal-Token with alice's token, then payment sees alice and the gateway's credential only", async () => {
    const answer = await through(rig.gateway, '/balance/charge', {
      method: 'POST',
      token: alice,
      body: { amount: 500 },
      headers: { 'x-user-id': 'bob', 'x-internal-token': 'forged-credential', cookie: 'a=b', 'x-forwarded-host': 'evil', 'x-request-id': 'req-charge-1' },
    });

    expect(answer.status).toBe(201);
    const seen = rig.payment.received.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/balance/charge');
    expect(JSON.parse(seen.body)).toEqual({ amount: 500 });
    expect(seen.headers['x-user-id']).toBe('alice');
    expect(seen.headers['x-internal-token']).toBe(INTERNAL_TOKEN);
    expect(seen.headers['x-request-id']).toBe('req-charge-1');
    expect(seen.headers['content-type']).toBe('application/json');
    for (const dropped of ['x-queue-token', 'cookie', 'x-forwarded-host']) expect(seen.headers[dropped]).toBeUndefined();
  });

  it('when 300 calls with alice, bob and forged tokens run at once, then each forwarded call carries its own token\'s user and no forged one gets through', async () => {
    const before = rig.booking.received.length;
    const calls = Array.from({ length: 300 }, (_, i) => {
      const [token, user] = i % 3 === 0 ? [alice, 'alice'] : i % 3 === 1 ? [bob, 'bob'] : [forgedToken(), 'forged'];
      return through(rig.gateway, `/reservations/${randomUUID()}?call=${i}`, { token, headers: { 'x-user-id': 'mallory' } }).then((answer) => ({ user, i, answer }));
    });

    const answers = await Promise.all(calls);

    expect(answers.filter((a) => a.user === 'forged').every((a) => a.answer.status === 401)).toBe(true);
    expect(answers.filter((a) => a.user !== 'forged').every((a) => a.answer.status === 201)).toBe(true);
    const forwarded = rig.booking.received.slice(before);
    expect(forwarded).toHaveLength(200);
    const userOf = new Map(answers.map((a) => [`call=${a.i}`, a.user]));
    for (const request of forwarded) expect(request.headers['x-user-id']).toBe(userOf.get(request.url.split('?')[1]!));
  });
});

describe('protected routes: what is forwarded and relayed', () => {
  it('when a seat list is asked with a filter, then booking gets the path and query, and the answer comes back with safe headers only', async () => {
    const scheduleId = randomUUID();

    const answer = await through(rig.gateway, `/schedules/${scheduleId}/seats?status=AVAILABLE`, { token: bob, headers: { 'x-request-id': 'req-seats' } });

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ upstream: 'booking', url: `/schedules/${scheduleId}/seats?status=AVAILABLE` });
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.headers.get('x-request-id')).toBe('req-seats');
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.headers.get('x-upstream-internal')).toBeNull();
  });

  it('when a payment carries an Idempotency-Key, then payment receives it unchanged with the body', async () => {
    const reservationId = randomUUID();

    await through(rig.gateway, '/payments', { method: 'POST', token: bob, body: { reservationId }, headers: { 'idempotency-key': 'pay-once-123' } });

    const seen = rig.payment.received.at(-1)!;
    expect(seen.url).toBe('/payments');
    expect(seen.headers['idempotency-key']).toBe('pay-once-123');
    expect(JSON.parse(seen.body)).toEqual({ reservationId });
  });

  it('when booking answers an error, then its status and error body are relayed as they are', async () => {
    const answer = await through(rig.gateway, '/reservations/conflict', { token: alice, headers: { 'x-request-id': 'req-409' } });

    expect(answer.status).toBe(409);
    expect(ErrorBody.parse(answer.body)).toEqual({ code: 'BOOKING.SEAT_UNAVAILABLE', message: 'taken', correlationId: 'req-409' });
  });

  it('when a method outside the contract is used on a protected path, then 405 and nothing is forwarded', async () => {
    const before = reachedUpstream();

    const answer = await through(rig.gateway, `/reservations/${randomUUID()}`, { method: 'DELETE', token: alice });

    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
    expect(reachedUpstream()).toBe(before);
  });
});

describe('protected routes: upstream failures', () => {
  let silent: Server;
  let unreachable: Gateway;

  beforeAll(async () => {
    // Accepts connections and never answers: a hung booking.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    unreachable = await startGateway({
      store: rig.store,
      repository: rig.repository,
      bookingUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      paymentUrl: `http://127.0.0.1:${await freePort()}`, // nothing listens there
      timeouts: { headersMs: 300 },
    });
  });

  afterAll(async () => {
    await unreachable?.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ['payment refuses connections', '/balance'],
    ['booking accepts but never answers', '/concerts'],
  ])('when %s, then 503 COMMON.UNAVAILABLE in the error shape with Retry-After, not a hang', async (_label, path) => {
    const answer = await through(unreachable, path, { token: alice, headers: { 'x-request-id': `req-down-${path.slice(1)}` } });

    expect(answer.status).toBe(503);
    expect(ErrorBody.parse(answer.body)).toEqual({ code: 'COMMON.UNAVAILABLE', message: expect.any(String), correlationId: `req-down-${path.slice(1)}` });
    expect(answer.headers.get('retry-after')).toBe('1');
  });
});
