import { waitFor } from '@ticketing/devstack/testing';
import type { FuzzFixture } from './endpoint.arbitraries';

interface Call {
  status: number;
  body: any;
}

/**
 * The state the fuzz attacks, made through the public API like any user would (maxActive must be 1):
 * user A charges, holds two seats and pays for one (A's token then expires through PaymentCompleted);
 * user B, the fuzz's own user, is admitted next, charges 1 (less than any seat) and holds a seat;
 * user W joins after B and stays WAITING. So every outcome is reachable: 401, 403, 404 for another
 * user's reservation, 409 for a taken seat and for a payment the balance cannot cover.
 */
export async function buildFuzzFixture(gatewayUrl: string, run: string, seatsPerSchedule: number): Promise<FuzzFixture & { keepWaiting: () => Promise<void> }> {
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-queue-token': token } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const expect = (what: string, answer: Call, status: number): any => {
    if (answer.status !== status) throw new Error(`fixture: ${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const admitted = async (userId: string) => {
    const { token } = expect(`token for ${userId}`, await call('POST', '/queue/tokens', undefined, { userId }), 201) as { token: string };
    await waitFor(`${userId} admitted`, async () => ((await call('GET', '/queue/tokens/me', token)).body?.status === 'ACTIVE' ? true : undefined), 30_000, 100);
    return token;
  };

  const userA = `fuzz-a-${run}`;
  const tokenA = await admitted(userA);
  const concertIds = (expect('concerts', await call('GET', '/concerts', tokenA), 200) as { concertId: string }[]).map((c) => c.concertId);
  const scheduleIds: string[] = [];
  for (const concertId of concertIds) {
    const schedules = expect('schedules', await call('GET', `/concerts/${concertId}/schedules`, tokenA), 200) as { scheduleId: string }[];
    scheduleIds.push(...schedules.map((s) => s.scheduleId));
  }
  const [scheduleId] = scheduleIds as [string];
  const hold = async (token: string, seatNo: number) =>
    (expect(`hold of seat ${seatNo}`, await call('POST', '/reservations', token, { scheduleId, seatNo }), 201) as { reservationId: string }).reservationId;

  expect('charge of A', await call('POST', '/balance/charge', tokenA, { amount: 500_000 }), 200);
  const othersPaid = await hold(tokenA, 1);
  const othersHeld = await hold(tokenA, 2);
  expect('payment of A', await call('POST', '/payments', tokenA, { reservationId: othersPaid }, { 'idempotency-key': `fuzz-${run}` }), 201);
  // A's slot frees once the gateway consumed PaymentCompleted; only then can B be admitted (maxActive 1).
  await waitFor("A's token to expire", async () => ((await call('GET', '/balance', tokenA)).status === 401 ? true : undefined), 60_000);

  const userB = `fuzz-b-${run}`;
  const tokenB = await admitted(userB);
  expect('charge of B', await call('POST', '/balance/charge', tokenB, { amount: 1 }), 200);
  const ownHeld = await hold(tokenB, 3);

  const { token: tokenW } = expect('token for W', await call('POST', '/queue/tokens', undefined, { userId: `fuzz-w-${run}` }), 201) as { token: string };
  const waiting = await call('GET', '/queue/tokens/me', tokenW);
  if (waiting.body?.status !== 'WAITING') throw new Error(`fixture: W should wait behind B, got ${JSON.stringify(waiting.body)}`);

  return {
    tokens: { active: tokenB, waiting: tokenW, expired: tokenA },
    otherUserId: userA,
    concertIds,
    scheduleIds,
    seatsPerSchedule,
    takenSeats: [1, 2, 3].map((seatNo) => ({ scheduleId, seatNo })),
    reservations: { ownHeld, othersHeld, othersPaid },
    // A waiting user who stops polling loses their place (QUEUE_ABANDON_AFTER_SECONDS): W polls like a real client.
    keepWaiting: async () => {
      const answer = await call('GET', '/queue/tokens/me', tokenW);
      if (answer.body?.status !== 'WAITING') throw new Error(`W is no longer waiting: ${answer.status} ${JSON.stringify(answer.body)}`);
    },
  };
}
