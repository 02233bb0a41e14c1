import { parse as parseQuery } from 'node:querystring';
import fc from 'fast-check';
import { ChargeRequest, CreateReservationRequest, IssueTokenRequest, SeatListQuery } from '@ticketing/contracts';
import { printable, type Endpoint, type FuzzRequest } from './fuzz-request';
import { JsonObject } from './json-text';
import { headerBytes, INJECTION_STRINGS, junkId, junkString, pathSegment, percentEncode, PROTOTYPE_KEYS } from './malformed.arbitraries';
import { badBody, oddHeaders, oversizedBody, parserRejectedBody, type BodyPart } from './request-parts.arbitraries';

/** What the fuzz knows of the platform it attacks: the users' tokens and the real ids (see fuzz-fixture.ts). */
export interface FuzzFixture {
  tokens: {
    /** ACTIVE: the fuzz's own user, so bad input gets past the door and reaches booking and payment. */
    active: string;
    /** Still WAITING in line (403 on protected routes). */
    waiting: string;
    /** Expired after its user paid (401). */
    expired: string;
  };
  /** The user of the expired token, whose reservations the active user must never see. */
  otherUserId: string;
  concertIds: string[];
  scheduleIds: string[];
  seatsPerSchedule: number;
  /** Seats held or sold: a hold on them is a 409, which changes nothing. */
  takenSeats: { scheduleId: string; seatNo: number }[];
  reservations: { ownHeld: string; othersHeld: string; othersPaid: string };
}

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const base64url = (length: number) => fc.string({ minLength: length, maxLength: length, unit: fc.constantFrom(...BASE64URL) });
const WRONG_METHODS = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'OPTIONS'] as const;

interface TokenPart {
  headers: string[];
  what: string;
}

/** `X-Queue-Token` headers that open no door: missing, empty, unknown, malformed, oversized, repeated, waiting, expired. */
function badQueueToken(fx: FuzzFixture): fc.Arbitrary<TokenPart> {
  const { active, waiting, expired } = fx.tokens;
  const one = (value: string, what: string): TokenPart => ({ headers: ['x-queue-token', value], what });
  return fc.oneof(
    fc.constant<TokenPart>({ headers: [], what: 'no token' }),
    fc.constant(one('', 'empty token')),
    base64url(43).filter((t) => t !== active && t !== waiting).map((t) => one(t, 'unknown well-formed token')),
    fc.integer({ min: 1, max: 200 }).filter((n) => n !== 43).chain((n) => base64url(n)).map((t) => one(t, `token of ${t.length} chars`)),
    fc.integer({ min: 1_000, max: 12_000 }).map((n) => one('A'.repeat(n), `oversized token (${n} chars)`)),
    junkString.map(headerBytes).filter((t) => t.trim() !== active && t.trim() !== waiting).map((t) => one(t, 'junk token')),
    fc.constantFrom(...INJECTION_STRINGS).map((t) => one(headerBytes(t), 'injection as token')),
    fc.constant(one(waiting, 'waiting token')),
    fc.constant(one(expired, 'expired token')),
    fc.constantFrom(active.slice(1), `${active}A`, active.toUpperCase(), active.toLowerCase(), `Bearer ${active}`, active.split('').reverse().join(''))
      .filter((t) => t !== active)
      .map((t) => one(t, 'altered active token')),
    fc.constantFrom([active, active], [active, waiting], ['junk', active], [active, '']).map(([a, b]) => ({
      headers: ['x-queue-token', a!, 'x-queue-token', b!],
      what: 'repeated X-Queue-Token',
    })),
  );
}

const validToken = (fx: FuzzFixture): TokenPart => ({ headers: ['x-queue-token', fx.tokens.active], what: 'active token' });

/** A request from parts; every part says how it is malformed. */
function request(endpoint: Endpoint, method: string, path: string, parts: { headers: string[]; body?: BodyPart['body']; what?: string; statuses?: number[] }[]): FuzzRequest {
  const statuses = parts.find((p) => p.statuses !== undefined)?.statuses;
  return printable({
    endpoint,
    method,
    path,
    headers: parts.flatMap((p) => p.headers),
    body: parts.find((p) => p.body !== undefined)?.body,
    what: parts.flatMap((p) => (p.what ? [p.what] : [])),
    ...(statuses === undefined ? {} : { statuses }),
  });
}

const noBody: BodyPart = { headers: [], what: '' };

/** A malformed id as a path segment, never one of `forbidden` (ids the active user may legitimately read). */
const idSegment = (forbidden: string[] = []) =>
  junkId
    .filter(({ text }) => !forbidden.some((id) => id.toLowerCase() === text.toLowerCase()))
    .map(({ text, raw }) => ({ segment: pathSegment(text, raw), what: `id ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}` }));

/** A segment below a route's path; never empty, since `/balance/` is `/balance` to the router. */
const subPath = (forbidden: string[] = []) => idSegment(forbidden).filter(({ segment }) => segment.length > 0);

/**
 * One arbitrary per endpoint. Each yields only requests that must fail with a 4xx and change nothing:
 * bad tokens, malformed paths, queries and bodies, wrong methods; whatever is generated from a valid
 * template is filtered through the contracts' schema so a valid request never slips in.
 */
export function endpointArbitraries(fx: FuzzFixture): Record<Endpoint, fc.Arbitrary<FuzzRequest>> {
  const odd = oddHeaders(fx.otherUserId);
  const anyToken = fc.oneof({ arbitrary: fc.constant(validToken(fx)), weight: 1 }, { arbitrary: badQueueToken(fx), weight: 1 });
  const realScheduleIds = new Set(fx.scheduleIds.map((id) => id.toLowerCase()));
  const taken = new Set(fx.takenSeats.map((s) => `${s.scheduleId.toLowerCase()}/${s.seatNo}`));

  /** A protected route: a bad token with an otherwise fine request (401/403), or the active token with something malformed. */
  const guarded = (endpoint: Endpoint, method: string, fine: fc.Arbitrary<{ path: string; body?: BodyPart }>, malformed: fc.Arbitrary<FuzzRequest>) =>
    fc.oneof(
      { arbitrary: fc.tuple(badQueueToken(fx), fine, odd).map(([token, ok, extra]) => request(endpoint, method, ok.path, [token, ok.body ?? noBody, extra])), weight: 1 },
      { arbitrary: malformed, weight: 3 },
    );
  /** The active token, but a body the parser refuses, a method the path does not take, or a path below it. */
  const offRoute = (endpoint: Endpoint, method: string, path: string, allowed: string[]) =>
    fc.oneof(
      fc.tuple(parserRejectedBody, odd).map(([body, extra]) => request(endpoint, method, path, [validToken(fx), body, extra])),
      fc.tuple(fc.constantFrom(...WRONG_METHODS.filter((m) => !allowed.includes(m))), fc.option(parserRejectedBody, { nil: undefined }), odd).map(([wrong, body, extra]) =>
        request(endpoint, wrong, path, [validToken(fx), body ?? noBody, extra, { headers: [], what: `method ${wrong}` }]),
      ),
    );

  const concertPath = (segment: string) => `/concerts/${segment}/schedules`;
  const seatsPath = (segment: string) => `/schedules/${segment}/seats`;
  const realConcert = fc.constantFrom(...fx.concertIds);
  const realSchedule = fc.constantFrom(...fx.scheduleIds);

  const tokenRoute = (method: 'GET' | 'DELETE') => {
    const endpoint: Endpoint = method === 'GET' ? 'GET /queue/tokens/me' : 'DELETE /queue/tokens/me';
    // DELETE with a live token would leave the line: the live tokens go only with a body sure to be refused first.
    const liveTokenBody = method === 'GET' ? parserRejectedBody : oversizedBody;
    return fc.oneof(
      { arbitrary: fc.tuple(badQueueToken(fx), fc.option(junkQueryString, { nil: '' }), odd).filter(([t]) => !isLive(fx, t.headers)).map(([token, query, extra]) => request(endpoint, method, `/queue/tokens/me${query}`, [token, extra])), weight: 4 },
      { arbitrary: fc.tuple(badQueueToken(fx), parserRejectedBody).filter(([t]) => !isLive(fx, t.headers)).map(([token, body]) => request(endpoint, method, '/queue/tokens/me', [token, body])), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom(fx.tokens.active, fx.tokens.waiting), liveTokenBody).map(([token, body]) => request(endpoint, method, '/queue/tokens/me', [{ headers: ['x-queue-token', token], what: 'live token' }, body])), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH'), anyToken).map(([wrong, token]) => request(endpoint, wrong, '/queue/tokens/me', [token, { headers: [], what: `method ${wrong}` }])), weight: 1 },
    );
  };

  return {
    'POST /queue/tokens': fc.oneof(
      { arbitrary: fc.tuple(badBody(new JsonObject([['userId', 'fuzz-user']]), (v) => IssueTokenRequest.safeParse(v).success), odd).map(([body, extra]) => request('POST /queue/tokens', 'POST', '/queue/tokens', [body, extra])), weight: 6 },
      { arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE'), fc.option(parserRejectedBody, { nil: undefined })).map(([wrong, body]) => request('POST /queue/tokens', wrong, '/queue/tokens', [body ?? noBody, { headers: [], what: `method ${wrong}` }])), weight: 1 },
    ),

    'GET /queue/tokens/me': tokenRoute('GET'),
    'DELETE /queue/tokens/me': tokenRoute('DELETE'),

    'GET /queue/stats': fc.oneof(
      fc.tuple(parserRejectedBody, odd).map(([body, extra]) => request('GET /queue/stats', 'GET', '/queue/stats', [body, extra])),
      fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), fc.option(parserRejectedBody, { nil: undefined })).map(([wrong, body]) => request('GET /queue/stats', wrong, '/queue/stats', [body ?? noBody, { headers: [], what: `method ${wrong}` }])),
      subPath().map(({ segment, what }) => request('GET /queue/stats', 'GET', `/queue/stats/${segment}`, [{ headers: [], what: `sub-path ${what}` }])),
    ),

    'GET /concerts': guarded('GET /concerts', 'GET', fc.constant({ path: '/concerts' }), fc.oneof(
      offRoute('GET /concerts', 'GET', '/concerts', ['GET']),
      subPath(fx.concertIds).map(({ segment, what }) => request('GET /concerts', 'GET', `/concerts/${segment}`, [validToken(fx), { headers: [], what: `sub-path ${what}` }])),
    )),

    'GET /concerts/:concertId/schedules': guarded('GET /concerts/:concertId/schedules', 'GET', realConcert.map((id) => ({ path: concertPath(id) })), fc.oneof(
      { arbitrary: fc.tuple(idSegment(), odd).map(([{ segment, what }, extra]) => request('GET /concerts/:concertId/schedules', 'GET', concertPath(segment), [validToken(fx), { headers: [], what }, extra])), weight: 4 },
      { arbitrary: realConcert.chain((id) => offRoute('GET /concerts/:concertId/schedules', 'GET', concertPath(id), ['GET'])), weight: 1 },
    )),

    'GET /schedules/:scheduleId/seats': guarded('GET /schedules/:scheduleId/seats', 'GET', realSchedule.map((id) => ({ path: seatsPath(id) })), fc.oneof(
      { arbitrary: fc.tuple(idSegment(), fc.constantFrom('', '?status=AVAILABLE'), odd).map(([{ segment, what }, query, extra]) => request('GET /schedules/:scheduleId/seats', 'GET', seatsPath(segment) + query, [validToken(fx), { headers: [], what }, extra])), weight: 4 },
      { arbitrary: realSchedule.chain((id) => offRoute('GET /schedules/:scheduleId/seats', 'GET', seatsPath(id), ['GET'])), weight: 1 },
    )),

    'GET /schedules/:scheduleId/seats?status=': guarded('GET /schedules/:scheduleId/seats?status=', 'GET', realSchedule.map((id) => ({ path: `${seatsPath(id)}?status=AVAILABLE` })),
      fc.tuple(fc.oneof(realSchedule, fc.uuid()), junkQueryString, odd)
        .filter(([id, query]) => !realScheduleIds.has(id.toLowerCase()) || !SeatListQuery.safeParse(parseQuery(query.slice(1))).success)
        .map(([id, query, extra]) => request('GET /schedules/:scheduleId/seats?status=', 'GET', seatsPath(id) + query, [validToken(fx), { headers: [], what: `query ${query.slice(0, 80)}` }, extra])),
    ),

    'POST /reservations': (() => {
      const legit = (v: unknown) => {
        const parsed = CreateReservationRequest.safeParse(v);
        if (!parsed.success) return false;
        const { scheduleId, seatNo } = parsed.data;
        const real = realScheduleIds.has(scheduleId.toLowerCase());
        return real && seatNo <= fx.seatsPerSchedule && !taken.has(`${scheduleId.toLowerCase()}/${seatNo}`);
      };
      const template = (scheduleId: string) => new JsonObject([['scheduleId', scheduleId], ['seatNo', 1]]);
      const fine = realSchedule.map((id) => ({ path: '/reservations', body: { headers: ['content-type', 'application/json'], body: `{"scheduleId":"${id}","seatNo":1}`, what: 'valid hold' } }));
      return guarded('POST /reservations', 'POST', fine, fc.oneof(
        { arbitrary: fc.tuple(realSchedule.chain((id) => badBody(template(id), legit)), odd).map(([body, extra]) => request('POST /reservations', 'POST', '/reservations', [validToken(fx), body, extra])), weight: 8 },
        {
          arbitrary: fc.constantFrom(...fx.takenSeats).map((seat) => request('POST /reservations', 'POST', '/reservations', [validToken(fx), { headers: ['content-type', 'application/json'], body: JSON.stringify(seat), what: 'seat already taken' }])),
          weight: 1,
        },
        {
          arbitrary: fc.tuple(fc.uuid(), fc.integer({ min: 1, max: fx.seatsPerSchedule })).map(([scheduleId, seatNo]) => request('POST /reservations', 'POST', '/reservations', [validToken(fx), { headers: ['content-type', 'application/json'], body: JSON.stringify({ scheduleId, seatNo }), what: 'unknown schedule' }])),
          weight: 1,
        },
        { arbitrary: offRoute('POST /reservations', 'POST', '/reservations', ['POST']).filter((r) => r.method !== 'POST'), weight: 1 },
      ));
    })(),

    'GET /reservations/:reservationId': guarded('GET /reservations/:reservationId', 'GET', fc.constant({ path: `/reservations/${fx.reservations.ownHeld}` }), fc.oneof(
      { arbitrary: fc.tuple(idSegment([fx.reservations.ownHeld]), odd).map(([{ segment, what }, extra]) => request('GET /reservations/:reservationId', 'GET', `/reservations/${segment}`, [validToken(fx), { headers: [], what }, extra])), weight: 4 },
      {
        arbitrary: fc.constantFrom(fx.reservations.othersHeld, fx.reservations.othersPaid, fx.reservations.othersPaid.toUpperCase()).map((id) => request('GET /reservations/:reservationId', 'GET', `/reservations/${id}`, [validToken(fx), { headers: [], what: "another user's reservation" }])),
        weight: 1,
      },
      { arbitrary: offRoute('GET /reservations/:reservationId', 'GET', `/reservations/${fx.reservations.ownHeld}`, ['GET']), weight: 1 },
    )),

    'GET /balance': guarded('GET /balance', 'GET', fc.constant({ path: '/balance' }), fc.oneof(
      offRoute('GET /balance', 'GET', '/balance', ['GET']),
      subPath().filter(({ segment }) => segment.toLowerCase() !== 'charge').map(({ segment, what }) => request('GET /balance', 'GET', `/balance/${segment}`, [validToken(fx), { headers: [], what: `sub-path ${what}` }])),
    )),

    'POST /balance/charge': guarded('POST /balance/charge', 'POST', fc.constant({ path: '/balance/charge', body: { headers: ['content-type', 'application/json'], body: '{"amount":100}', what: 'valid charge' } }), fc.oneof(
      { arbitrary: fc.tuple(badBody(new JsonObject([['amount', 100]]), (v) => ChargeRequest.safeParse(v).success), odd).map(([body, extra]) => request('POST /balance/charge', 'POST', '/balance/charge', [validToken(fx), body, extra])), weight: 8 },
      { arbitrary: offRoute('POST /balance/charge', 'POST', '/balance/charge', ['POST']).filter((r) => r.method !== 'POST'), weight: 1 },
    )),

    'POST /payments': (() => {
      const own = fx.reservations.ownHeld;
      const template = new JsonObject([['reservationId', own]]);
      // Paying is refused whatever the body: the own hold costs more than the balance (409), any other id is a 404.
      const key = fc.oneof(
        { arbitrary: fc.constant<string[]>([]), weight: 2 },
        { arbitrary: fc.uuid().map((k) => ['idempotency-key', k]), weight: 1 },
        { arbitrary: fc.oneof(junkString, fc.constantFrom('', ' ', 'a b', 'k'.repeat(129), 'k'.repeat(5_000), 'ключ', '\u00e9t\u00e9')).map((k) => ['idempotency-key', headerBytes(k)]), weight: 2 },
        { arbitrary: fc.tuple(fc.uuid(), fc.uuid()).map(([a, b]) => ['idempotency-key', a, 'idempotency-key', b]), weight: 1 },
      ).map((headers) => ({ headers, what: headers.length ? 'odd Idempotency-Key' : '' }));
      const fine = fc.constant<{ path: string; body: BodyPart }>({ path: '/payments', body: { headers: ['content-type', 'application/json'], body: JSON.stringify({ reservationId: own }), what: 'valid payment' } });
      return guarded('POST /payments', 'POST', fine, fc.oneof(
        { arbitrary: fc.tuple(badBody(template, () => false), key, odd).map(([body, k, extra]) => request('POST /payments', 'POST', '/payments', [validToken(fx), body, k, extra])), weight: 8 },
        {
          arbitrary: fc.tuple(fc.constantFrom(own, own.toUpperCase(), fx.reservations.othersHeld, fx.reservations.othersPaid), key).map(([reservationId, k]) =>
            request('POST /payments', 'POST', '/payments', [validToken(fx), { headers: ['content-type', 'application/json'], body: JSON.stringify({ reservationId }), what: 'a reservation this user cannot pay' }, k]),
          ),
          weight: 2,
        },
        { arbitrary: offRoute('POST /payments', 'POST', '/payments', ['POST']).filter((r) => r.method !== 'POST'), weight: 1 },
      ));
    })(),
  };
}

/** A query string (with its `?`) that is not `status=<SeatStatus>`: other values, repeats, arrays, unknown and prototype keys. */
const junkQueryString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constant('status'), fc.oneof(fc.constantFrom('available', 'Available', 'SOLD', 'CANCELLED', '', 'AVAILABLE ', 'AVAILABLE,HELD', '*', 'null'), junkString)),
      fc.tuple(fc.constantFrom('status[]', 'status[0]', 'status.x', 'Status', 'STATUS', ...PROTOTYPE_KEYS, 'limit', 'offset', 'userId', '$where'), junkString),
      fc.tuple(fc.constant('status'), fc.constantFrom('AVAILABLE', 'HELD', 'RESERVED')),
      fc.tuple(junkString, junkString),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => `?${pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&')}`);

/** True when the headers carry the active or waiting token alone (a request that could really act on it). */
function isLive(fx: FuzzFixture, headers: string[]): boolean {
  const values = headers.filter((_, i) => i % 2 === 1 && headers[i - 1] === 'x-queue-token');
  return values.length === 1 && (values[0] === fx.tokens.active || values[0] === fx.tokens.waiting);
}
