/**
 * The Artillery processor of `artillery/full-flow.yml`: the decisions a person makes between requests
 * (wait as long as the gateway says, pick a random concert and a random available seat, try another
 * seat after a collision, give up after a few) and the custom metrics of each step's outcome.
 *
 * Artillery calls these with callbacks (function steps, hooks) or synchronously (`ifTrue`, on
 * `context.vars`). The metric names are listed in `metrics.ts`, which the report reads.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Metric } from './metrics';

/** What a virtual user remembers between requests. */
interface UserVars {
  userId: string;
  startedAt: number;
  token?: string;
  status?: string;
  estimatedWaitSeconds?: number;
  issuedAt?: number;
  polls: number;
  charged?: boolean;
  concertIds?: string[];
  concertId?: string;
  scheduleId?: string;
  seatNo?: number;
  holdAttempts: number;
  reservationId?: string;
  payAttempts: number;
  /** Seconds the last 503 asked to wait before asking again (its Retry-After). */
  retryAfterSeconds?: number;
  paid?: boolean;
  /** Set when the user stops: the step and answer that ended the journey early. */
  stopped?: string;
}

interface Context {
  vars: UserVars & Record<string, unknown>;
}
interface Events {
  emit(kind: 'counter' | 'histogram', name: string, value: number): void;
}
interface RequestParams {
  url: string;
  name?: string;
  headers?: Record<string, string>;
  json?: unknown;
}
interface Response {
  statusCode: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}
type Next = (error?: Error) => void;

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
/** A person tries another seat after a collision, a few times, then gives up. */
const MAX_HOLD_ATTEMPTS = env('LOAD_MAX_HOLD_ATTEMPTS', 3);
/** Seconds one long-poll may wait for the admission (the API allows 1–60). */
const WAIT_SECONDS = Math.min(60, env('LOAD_WAIT_SECONDS', 60));
/** Times a waiting user reconnects after a dropped or hung long-poll before giving up. */
const MAX_WAIT_RECONNECTS = env('LOAD_MAX_WAIT_RECONNECTS', 5);
/** A user still waiting after this many long-polls gives up (reported as an error: the queue did not move). */
const MAX_POLLS = env('LOAD_MAX_POLLS', 100);
/** A payment answered 503 is asked about again with the same Idempotency-Key, as the API says, this many times in all. */
const MAX_PAY_ATTEMPTS = env('LOAD_MAX_PAY_ATTEMPTS', 5);
const RUN_ID = process.env.LOAD_RUN_ID ?? randomUUID().slice(0, 8);

const json = (body: unknown): Record<string, any> => {
  if (typeof body !== 'string') return (body ?? {}) as Record<string, any>;
  try {
    return JSON.parse(body) as Record<string, any>;
  } catch {
    return {};
  }
};

/** Counts an unexpected answer of a step under its status and error code, and ends the journey. */
function stop(context: Context, events: Events, step: string, res: Response): void {
  const code = json(res.body).code ?? 'NO_CODE';
  context.vars.stopped = `${step}.${res.statusCode}.${code}`;
  events.emit('counter', `${Metric.errorPrefix}${step}.${res.statusCode}.${code}`, 1);
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export function beginUser(context: Context, _events: Events, next: Next): void {
  context.vars.userId = `load-${RUN_ID}-${randomUUID()}`;
  context.vars.startedAt = Date.now();
  context.vars.polls = 0;
  context.vars.holdAttempts = 0;
  context.vars.payAttempts = 0;
  next();
}

/** Every request after the token carries it, as the API asks. */
export function sendQueueToken(req: RequestParams, context: Context, _events: Events, next: Next): void {
  if (context.vars.token) req.headers = { ...req.headers, 'x-queue-token': context.vars.token };
  next();
}

export function afterToken(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  const body = json(res.body);
  if (res.statusCode === 201 || res.statusCode === 200) {
    events.emit('counter', Metric.tokenIssued, 1);
    Object.assign(context.vars, { token: body.token, status: body.status, estimatedWaitSeconds: body.estimatedWaitSeconds, issuedAt: Date.now() });
    if (body.status === 'ACTIVE') activated(context, events);
  } else stop(context, events, 'token', res);
  next();
}

function activated(context: Context, events: Events): void {
  events.emit('counter', Metric.activated, 1);
  events.emit('histogram', Metric.queueWaitMs, Date.now() - context.vars.issuedAt!);
}

/**
 * Waits in line as a browser does: one long-poll after another (`GET /queue/tokens/me?wait=`), each
 * answered the moment the user is admitted. Every waiting user holds their own connection (a keep-alive
 * agent of one socket, closed when admitted), never one of the shared pool the active steps use, so the
 * gateway carries thousands of open waiting connections as it would on sale day. Artillery's HTTP engine
 * cannot do that, hence plain Node here and metrics of its own (Metric.waitRequests, Metric.waitMs).
 */
export function waitForAdmission(context: Context, events: Events, next: Next): void {
  if (!isWaiting(context.vars)) return next();
  const target = new URL(process.env.LOAD_TARGET ?? 'http://127.0.0.1:8080');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let reconnects = 0;
  const done = () => {
    agent.destroy();
    next();
  };
  const ask = () => {
    const started = Date.now();
    const req = request(
      { host: target.hostname, port: target.port, path: `/queue/tokens/me?wait=${WAIT_SECONDS}`, agent, headers: { 'x-queue-token': context.vars.token! }, timeout: (WAIT_SECONDS + 30) * 1_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          events.emit('counter', Metric.waitRequests, 1);
          events.emit('histogram', Metric.waitMs, Date.now() - started);
          context.vars.polls++;
          // "Retry shortly" (503 with Retry-After) is what the API asks a waiting client to do.
          if (res.statusCode === 503 && ++reconnects <= MAX_WAIT_RECONNECTS) {
            events.emit('counter', `${Metric.waitReconnected}.503`, 1);
            return void setTimeout(ask, Math.min(10, Math.max(1, Number(res.headers['retry-after']) || 1)) * 1_000);
          }
          afterWait({ statusCode: res.statusCode ?? 0, body, headers: res.headers }, context, events);
          if (isWaiting(context.vars)) ask();
          else done();
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A browser reconnects when its connection drops or hangs; so does this user, a few times (all
      // retries together), and the report counts it (Metric.waitReconnected). The place belongs to the token.
      const code = error.code ?? 'error';
      if (++reconnects <= MAX_WAIT_RECONNECTS) {
        events.emit('counter', `${Metric.waitReconnected}.${code}`, 1);
        return void setTimeout(ask, 1_000);
      }
      events.emit('counter', `${Metric.errorPrefix}wait.${code}`, 1);
      context.vars.stopped = `wait.${code}`;
      done();
    });
    req.end();
  };
  ask();
}

function afterWait(res: Response, context: Context, events: Events): void {
  const body = json(res.body);
  if (res.statusCode !== 200) return stop(context, events, 'wait', res);
  Object.assign(context.vars, { status: body.status, estimatedWaitSeconds: body.estimatedWaitSeconds });
  if (body.status === 'ACTIVE') activated(context, events);
  else if (context.vars.polls >= MAX_POLLS) {
    context.vars.stopped = 'wait.gave_up';
    events.emit('counter', `${Metric.errorPrefix}wait.gave_up`, 1);
  }
}

export function afterCharge(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  if (res.statusCode === 200) {
    context.vars.charged = true;
    events.emit('counter', Metric.charged, 1);
  } else stop(context, events, 'charge', res);
  next();
}

export function afterConcerts(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  const concerts = json(res.body) as unknown as { concertId: string }[];
  if (res.statusCode === 200 && Array.isArray(concerts) && concerts.length > 0) context.vars.concertIds = concerts.map((c) => c.concertId);
  else stop(context, events, 'concerts', res);
  next();
}

/** Chooses where to look for a seat this attempt: a random concert (its first schedule, below). */
export function pickConcert(context: Context, _events: Events, next: Next): void {
  if (needsSeat(context.vars)) context.vars.concertId = pick(context.vars.concertIds!);
  next();
}

export function afterSchedules(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  const schedules = json(res.body) as unknown as { scheduleId: string }[];
  if (res.statusCode === 200 && Array.isArray(schedules) && schedules.length > 0) context.vars.scheduleId = pick(schedules).scheduleId;
  else stop(context, events, 'schedules', res);
  next();
}

export function afterSeats(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  const seats = json(res.body) as unknown as { seatNo: number }[];
  if (res.statusCode !== 200 || !Array.isArray(seats)) stop(context, events, 'seats', res);
  else if (seats.length === 0) {
    // A sold-out schedule: look at another concert next attempt (counts as an attempt).
    context.vars.seatNo = undefined;
    context.vars.holdAttempts++;
    events.emit('counter', Metric.soldOutSchedule, 1);
  } else context.vars.seatNo = pick(seats).seatNo;
  next();
}

/** The hold's body, built here so that seatNo stays a number. */
export function holdBody(req: RequestParams, context: Context, _events: Events, next: Next): void {
  req.json = { scheduleId: context.vars.scheduleId, seatNo: context.vars.seatNo };
  next();
}

export function afterHold(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  const body = json(res.body);
  context.vars.holdAttempts++;
  const firstTry = context.vars.holdAttempts === 1;
  if (res.statusCode === 201) {
    context.vars.reservationId = body.reservationId;
    events.emit('counter', Metric.held, 1);
    if (firstTry) events.emit('counter', Metric.heldFirstTry, 1);
    events.emit('histogram', Metric.holdAttempts, context.vars.holdAttempts);
  } else if (res.statusCode === 409 && body.code === 'BOOKING.SEAT_UNAVAILABLE') {
    // Another user took the seat between our listing and our hold: the expected outcome of a rush.
    events.emit('counter', firstTry ? Metric.collisionFirstTry : Metric.collisionRetry, 1);
    if (context.vars.holdAttempts >= MAX_HOLD_ATTEMPTS) events.emit('counter', Metric.gaveUpOnSeats, 1);
  } else stop(context, events, 'hold', res);
  context.vars.seatNo = undefined;
  next();
}

export function keepTryingSeats(context: Context, next: (more: boolean) => void): void {
  next(needsSeat(context.vars));
}

export function paymentBody(req: RequestParams, context: Context, _events: Events, next: Next): void {
  req.json = { reservationId: context.vars.reservationId };
  req.headers = { ...req.headers, 'idempotency-key': `pay-${context.vars.userId}` };
  next();
}

/** Before asking about a payment again, waits as long as its 503 said (Retry-After, 1 to 10 s). */
export function waitRetryAfter(context: Context, _events: Events, next: Next): void {
  const seconds = context.vars.retryAfterSeconds;
  if (seconds === undefined) return next();
  context.vars.retryAfterSeconds = undefined;
  setTimeout(() => next(), Math.min(10, Math.max(1, seconds)) * 1_000);
}

export function afterPay(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  context.vars.payAttempts++;
  if (res.statusCode === 201 && json(res.body).status === 'COMPLETED') {
    context.vars.paid = true;
    events.emit('counter', Metric.paid, 1);
    events.emit('histogram', Metric.journeyMs, Date.now() - context.vars.startedAt);
  } else if (res.statusCode === 503 && context.vars.payAttempts < MAX_PAY_ATTEMPTS) {
    // The payment is being finished or refunded; the same Idempotency-Key later gets its outcome.
    events.emit('counter', Metric.payRetried, 1);
    context.vars.retryAfterSeconds = Number(res.headers['retry-after']) || 1;
  } else stop(context, events, 'pay', res);
  next();
}

export function keepPaying(context: Context, next: (more: boolean) => void): void {
  next(hasReservation(context.vars) && !context.vars.paid);
}

export function afterLeave(_req: RequestParams, res: Response, context: Context, events: Events, next: Next): void {
  if (res.statusCode === 204) events.emit('counter', Metric.leftWithoutSeat, 1);
  else stop(context, events, 'leave', res);
  next();
}

// Conditions (`ifTrue`), called with the user's vars.
export const isWaiting = (vars: UserVars) => !vars.stopped && vars.status === 'WAITING';
export const isActive = (vars: UserVars) => !vars.stopped && vars.status === 'ACTIVE';
export const canShop = (vars: UserVars) => isActive(vars) && vars.charged === true;
export const needsSeat = (vars: UserVars) =>
  canShop(vars) && vars.concertIds !== undefined && !vars.reservationId && vars.holdAttempts < MAX_HOLD_ATTEMPTS;
export const hasSchedule = (vars: UserVars) => needsSeat(vars) && vars.scheduleId !== undefined;
export const hasCandidateSeat = (vars: UserVars) => needsSeat(vars) && vars.seatNo !== undefined;
export const hasReservation = (vars: UserVars) => canShop(vars) && vars.reservationId !== undefined;
export const shouldPay = (vars: UserVars) => hasReservation(vars) && !vars.paid;
/** An admitted user who found no seat closes the tab: their active slot goes to the next in line. */
export const leavesWithoutSeat = (vars: UserVars) => vars.token !== undefined && vars.status === 'ACTIVE' && !vars.reservationId;
