import { setTimeout as sleep } from 'node:timers/promises';
import type { Traffic } from './traffic';

export interface ResilientJourneyResult {
  userId: string;
  /** The user's latest token (a user whose token was lost queues again). */
  token?: string;
  activated: boolean;
  reservationId?: string;
  paid: boolean;
  /** Times the user had to queue again because the gateway no longer knew their token. */
  requeued: number;
}

const CHARGE = 500_000;
/** A call with no answer after this is recorded as a hang (the gateway's own upstream limit is 10 s). */
const CALL_TIMEOUT_MS = 15_000;

interface Answer {
  status: number | 'NETWORK' | 'TIMEOUT';
  body?: any;
  retryAfterMs: number;
}

/**
 * One fan through the public API who, unlike the plain journey, keeps going when parts fail the way a
 * well-behaved client does: a 503, a 429 or a refused connection is retried after Retry-After, a payment is
 * retried with the same Idempotency-Key (so it is charged once), an ambiguous charge is checked with
 * GET /balance before charging again, an expired hold is replaced by a new one, a token the gateway no
 * longer knows is replaced by queuing again. Every call lands in `traffic`. Gives up at `deadline`.
 */
export async function resilientJourney(gatewayUrl: string, userId: string, traffic: Traffic, deadline: number): Promise<ResilientJourneyResult> {
  const result: ResilientJourneyResult = { userId, activated: false, paid: false, requeued: 0 };
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const route = path.split(/[/?]/)[1] ?? '';
    let answer: Answer;
    try {
      const res = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-queue-token': token } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await res.text();
      const retryAfter = res.headers.get('retry-after') ?? undefined;
      answer = { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfterMs: Math.min(Number(retryAfter ?? 1), 5) * 1_000 };
      traffic.record({ at: Date.now(), method, route, status: res.status, code: res.status >= 400 ? answer.body?.code : undefined, retryAfter });
    } catch (error) {
      const status = (error as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
      answer = { status, retryAfterMs: 300 };
      traffic.record({ at: Date.now(), method, route, status });
    }
    return answer;
  };
  /** Retries while the platform says "not now" (503, 429, no connection, 409 concurrent update); returns the first other answer. */
  const persist = async (attempt: () => Promise<Answer>): Promise<Answer | undefined> => {
    while (Date.now() < deadline) {
      const answer = await attempt();
      const transient = answer.status === 'NETWORK' || answer.status === 'TIMEOUT' || answer.status === 503 || answer.status === 429 || answer.body?.code === 'PAYMENT.CONCURRENT_UPDATE';
      if (!transient) return answer;
      await sleep(answer.retryAfterMs);
    }
    return undefined;
  };

  const join = async (): Promise<string | undefined> => {
    const issued = await persist(() => call('POST', '/queue/tokens', undefined, { userId }));
    return issued && (issued.status === 200 || issued.status === 201) ? (issued.body.token as string) : undefined;
  };
  /** Polls until ACTIVE; queues again when the token is no longer known. */
  const admitted = async (): Promise<string | undefined> => {
    let token = result.token ?? (await join());
    while (token && Date.now() < deadline) {
      result.token = token;
      const me = await persist(() => call('GET', '/queue/tokens/me', token));
      if (!me) return undefined;
      if (me.status === 401) {
        result.requeued += 1;
        result.token = undefined;
        token = await join();
        continue;
      }
      if (me.status === 200 && me.body.status === 'ACTIVE') return token;
      await sleep(Math.min(1_000, Math.max(100, Number(me.body?.estimatedWaitSeconds ?? 1) * 100)));
    }
    return undefined;
  };
  /** A protected call: a 401/403 means the token lost its slot (e.g. Redis lost it): queue again and retry. */
  const protectedCall = async (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer | undefined> => {
    for (let tries = 0; tries < 5 && Date.now() < deadline; tries++) {
      const token = await admitted();
      if (!token) return undefined;
      const answer = await persist(() => call(method, path, token, body, headers));
      if (!answer) return undefined;
      if (answer.status !== 401 && answer.status !== 403) return answer;
      result.token = answer.status === 401 ? undefined : token;
      if (answer.status === 401) result.requeued += 1;
    }
    return undefined;
  };

  if (!(await admitted())) return result;
  result.activated = true;

  // A charge is not idempotent: after an ambiguous failure, look at the balance before charging again.
  for (;;) {
    const charged = await call('POST', '/balance/charge', result.token, { amount: CHARGE });
    if (charged.status === 200) break;
    if (Date.now() > deadline) return result;
    await sleep(charged.retryAfterMs);
    const balance = await protectedCall('GET', '/balance');
    if (balance?.status === 200 && Number(balance.body.balance) >= CHARGE) break;
  }

  for (let holds = 0; holds < 12 && Date.now() < deadline; holds++) {
    const concerts = await protectedCall('GET', '/concerts');
    if (concerts?.status !== 200) continue;
    const concert = concerts.body[Math.floor(Math.random() * concerts.body.length)];
    const schedules = await protectedCall('GET', `/concerts/${concert.concertId}/schedules`);
    if (schedules?.status !== 200) continue;
    const seats = await protectedCall('GET', `/schedules/${schedules.body[0].scheduleId}/seats?status=AVAILABLE`);
    if (seats?.status !== 200 || seats.body.length === 0) continue;
    const seat = seats.body[Math.floor(Math.random() * seats.body.length)];
    const hold = await protectedCall('POST', '/reservations', { scheduleId: schedules.body[0].scheduleId, seatNo: seat.seatNo });
    if (hold?.status !== 201) continue; // a collision, or an ambiguous failure: another seat (a lost hold expires by itself)
    result.reservationId = hold.body.reservationId;
    const paid = await protectedCall('POST', '/payments', { reservationId: result.reservationId }, { 'idempotency-key': `pay-${result.reservationId}` });
    if (paid?.status === 201) {
      result.paid = true;
      return result;
    }
    if (paid?.body?.code !== 'BOOKING.RESERVATION_EXPIRED') return result;
  }
  return result;
}

/**
 * Users arriving at a steady rate for `durationMs` (so the load spans a fault injected meanwhile), each
 * running a resilient journey. Resolves with every result once the last user has finished.
 */
export function startArrivals(gatewayUrl: string, options: { prefix: string; users: number; durationMs: number; traffic: Traffic; deadline: number }) {
  const gapMs = options.durationMs / options.users;
  const journeys: Promise<ResilientJourneyResult>[] = [];
  const arriving = (async () => {
    for (let i = 0; i < options.users; i++) {
      journeys.push(resilientJourney(gatewayUrl, `${options.prefix}-${i}`, options.traffic, options.deadline));
      await sleep(gapMs);
    }
  })();
  return { done: arriving.then(() => Promise.all(journeys)) };
}
