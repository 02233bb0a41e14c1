import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody } from '@ticketing/contracts';
import { keyedLimit } from '../src/data-access/rate.limiter';
import { activeTokens, gatewayRig, silentLogger, through, type Recorder } from './support/gateway-fixture';

/*
 * Security review, point 1: per-user limits on the calls that take something (seat holds, payments),
 * counted in the real Redis, with concurrent calls; a refused call never reaches booking or payment.
 */

const WINDOW_SECONDS = 30;
const rig = gatewayRig({
  schema: 'rl-actions',
  gateway: ({ redis, prefix }) => {
    const limit = (name: string, points: number) => keyedLimit({ redis, keyPrefix: `${prefix}rl:${name}`, limit: { points, windowSeconds: WINDOW_SECONDS }, logger: silentLogger() });
    return { limits: { holds: limit('hold', 5), payments: limit('payment', 3) } };
  },
});
let tokens: string[];

beforeAll(async () => {
  tokens = await activeTokens(rig.store, ['greedy', 'patient', 'payer']);
});

const hold = (token: string, seatNo: number) => through(rig.gateway, '/reservations', { method: 'POST', token, body: { scheduleId: randomUUID(), seatNo } });
const pay = (token: string) => through(rig.gateway, '/payments', { method: 'POST', token, body: { reservationId: randomUUID() } });
const forwardedTo = (recorder: Recorder, path: string) => recorder.received.filter((r) => r.url === path).length;

describe('per-user limits on holds and payments', () => {
  it('when one user fires 30 holds at once, then 5 reach booking and 25 are 429 QUEUE.RATE_LIMITED with a Retry-After within the window', async () => {
    const [greedy] = tokens;
    const before = forwardedTo(rig.booking, '/reservations');

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
    expect(forwardedTo(rig.booking, '/reservations') - before).toBe(5);
  });

  it('when one user is over the hold limit, then other users still hold, and the same user still reads seats and pays', async () => {
    const [greedy, patient] = tokens;

    expect((await hold(patient!, 1)).status).toBe(201);
    expect((await through(rig.gateway, `/schedules/${randomUUID()}/seats`, { token: greedy })).status).toBe(201);
    expect((await pay(greedy!)).status).toBe(201);
  });

  it('when one user pays more often than the payment limit, then the extra payments are 429 and never reach payment', async () => {
    const payer = tokens[2]!;
    const before = forwardedTo(rig.payment, '/payments');

    const answers = await Promise.all(Array.from({ length: 8 }, () => pay(payer)));

    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    expect(forwardedTo(rig.payment, '/payments') - before).toBe(3);
  });
});
