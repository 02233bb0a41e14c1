import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import { keyedLimit } from '../src/data-access/rate.limiter';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { activeTokens, deleteKeysUnder, newStore, silentLogger, startGateway, startRecorder, through, type Gateway, type Recorder } from './support/gateway-fixture';
import { REDIS_URL, openRedis, filePrefix } from './support/queue-test-kit';

/*
 * Security review, point 1: per-user limits on the calls that take something (seat holds, payments),
 * counted in the real Redis, with concurrent calls; a refused call never reaches booking or payment.
 */

const prefix = filePrefix().base;
const WINDOW_SECONDS = 30;
let redis: Redis;
let db: FallbackDb;
let booking: Recorder;
let payment: Recorder;
let gateway: Gateway;
let tokens: string[];

beforeAll(async () => {
  redis = await openRedis(REDIS_URL, { failFast: true });
  db = await createFallbackDb('rl-actions');
  const store = newStore(redis, prefix);
  [booking, payment] = await Promise.all([startRecorder('booking'), startRecorder('payment')]);
  const limit = (name: string, points: number) => keyedLimit({ redis, keyPrefix: `${prefix}rl:${name}`, limit: { points, windowSeconds: WINDOW_SECONDS }, logger: silentLogger() });
  gateway = await startGateway({
    store,
    repository: new FallbackTokenRepository(db.prisma),
    bookingUrl: booking.url,
    paymentUrl: payment.url,
    limits: { holds: limit('hold', 5), payments: limit('payment', 3) },
  });
  tokens = await activeTokens(store, ['greedy', 'patient', 'payer']);
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([booking?.close(), payment?.close()]);
  await deleteKeysUnder(redis, prefix);
  await redis?.quit();
  await db?.drop();
});

const hold = (token: string, seatNo: number) => through(gateway, '/reservations', { method: 'POST', token, body: { scheduleId: randomUUID(), seatNo } });
const pay = (token: string) => through(gateway, '/payments', { method: 'POST', token, body: { reservationId: randomUUID() } });
const forwardedTo = (recorder: Recorder, path: string) => recorder.received.filter((r) => r.url === path).length;

describe('per-user limits on holds and payments', () => {
  it('when one user fires 30 holds at once, then 5 reach booking and 25 are 429 QUEUE.RATE_LIMITED with a Retry-After within the window', async () => {
    const [greedy] = tokens;
    const before = forwardedTo(booking, '/reservations');

    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => hold(greedy!, i + 1)));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(25);
    for (const answer of refused) {
      expect(ErrorBody.parse(answer.body).code).toBe('QUEUE.RATE_LIMITED');
      const retryAfter = Number(answer.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    expect(forwardedTo(booking, '/reservations') - before).toBe(5);
  });

  it('when one user is over the hold limit, then other users still hold, and the same user still reads seats and pays', async () => {
    const [greedy, patient] = tokens;

    expect((await hold(patient!, 1)).status).toBe(201);
    expect((await through(gateway, `/schedules/${randomUUID()}/seats`, { token: greedy })).status).toBe(201);
    expect((await pay(greedy!)).status).toBe(201);
  });

  it('when one user pays more often than the payment limit, then the extra payments are 429 and never reach payment', async () => {
    const payer = tokens[2]!;
    const before = forwardedTo(payment, '/payments');

    const answers = await Promise.all(Array.from({ length: 8 }, () => pay(payer)));

    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    expect(forwardedTo(payment, '/payments') - before).toBe(3);
  });
});
