import { setTimeout as sleep } from 'node:timers/promises';

export interface JourneyResult {
  userId: string;
  token?: string;
  issued: boolean;
  activated: boolean;
  holdAttempts: number;
  reservationId?: string;
  paid: boolean;
  charged: number;
  errors: string[];
}

const CHARGE = 500_000;
const MAX_HOLD_ATTEMPTS = 8;

/**
 * One fan through the public API only, like the load test's virtual user: join the line, poll until
 * admitted (honouring the estimated wait, at most a second), charge, pick a random available seat
 * (another one after a collision, a few times, like a person), and pay with an Idempotency-Key.
 */
export async function userJourney(gatewayUrl: string, userId: string): Promise<JourneyResult> {
  const result: JourneyResult = { userId, issued: false, activated: false, holdAttempts: 0, paid: false, charged: 0, errors: [] };
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-queue-token': token } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as any) : undefined;
    if (res.status >= 400) result.errors.push(`${method} ${path.split('/')[1]} ${res.status} ${json?.code ?? ''}`);
    return { status: res.status, body: json };
  };

  const issued = await call('POST', '/queue/tokens', undefined, { userId });
  if (issued.status !== 201) return result;
  result.issued = true;
  const token = issued.body.token as string;
  result.token = token;
  let status = issued.body.status as string;
  for (let polls = 0; status !== 'ACTIVE' && polls < 600; polls++) {
    await sleep(Math.min(1_000, Math.max(100, (issued.body.estimatedWaitSeconds as number) * 100)));
    const me = await call('GET', '/queue/tokens/me', token);
    if (me.status !== 200) return result;
    status = me.body.status;
  }
  if (status !== 'ACTIVE') return result;
  result.activated = true;

  const charged = await call('POST', '/balance/charge', token, { amount: CHARGE });
  if (charged.status !== 200) return result;
  result.charged = CHARGE;

  const concerts = (await call('GET', '/concerts', token)).body as { concertId: string }[];
  for (let attempt = 1; attempt <= MAX_HOLD_ATTEMPTS && !result.reservationId; attempt++) {
    const concert = concerts[Math.floor(Math.random() * concerts.length)]!;
    const schedules = (await call('GET', `/concerts/${concert.concertId}/schedules`, token)).body as { scheduleId: string }[];
    const schedule = schedules[0]!;
    const seats = (await call('GET', `/schedules/${schedule.scheduleId}/seats?status=AVAILABLE`, token)).body as { seatNo: number }[];
    if (seats.length === 0) continue;
    result.holdAttempts = attempt;
    const seat = seats[Math.floor(Math.random() * seats.length)]!;
    const hold = await call('POST', '/reservations', token, { scheduleId: schedule.scheduleId, seatNo: seat.seatNo });
    if (hold.status === 201) result.reservationId = hold.body.reservationId;
    else if (hold.status === 409) result.errors.pop(); // a seat collision: the expected outcome of a rush, not an error
  }
  if (!result.reservationId) return result;

  const paid = await call('POST', '/payments', token, { reservationId: result.reservationId }, { 'idempotency-key': `pay-${userId}` });
  result.paid = paid.status === 201;
  return result;
}
