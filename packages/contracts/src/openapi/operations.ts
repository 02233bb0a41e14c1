import { z } from 'zod';
import { IdempotencyKey, HttpHeaders } from '../http/headers';
import { LivenessResponse, ReadinessResponse } from '../http/health';
import { IssueTokenRequest, IssueTokenResponse, QueueStatsQuery, QueueStatsResponse, TokenEventsQuery, TokenStatusQuery, TokenStatusResponse } from '../http/queue';
import {
  ConcertIdParams,
  ConcertListResponse,
  CreateReservationRequest,
  CreateReservationResponse,
  Reservation,
  ReservationIdParams,
  ScheduleIdParams,
  ScheduleListResponse,
  SeatListQuery,
  SeatListResponse,
} from '../http/booking';
import { BalanceResponse, ChargeRequest, CreatePaymentRequest, PaymentResponse } from '../http/payment';
import { ConfirmReservationRequest, InternalReservation } from '../http/internal';
import { SinkStatsResponse } from '../http/sink';
import { OpsSnapshot } from '../http/ops';
import { openApiDocument, type ApiOperation, type Credential, type OpenApiDocument } from './document';

/*
 * Every service's HTTP operations, against the zod contracts. The booking and payment operations are
 * written once: the gateway serves them to the public behind an ACTIVE queue token, and the services
 * themselves serve them to the gateway behind its internal credential and the user id it derived.
 */

type Operations = readonly ApiOperation[];

/** Probes and metrics every service answers; the gateway's metrics and readiness details need the operator credential. */
function probes(metrics: { operator: boolean }): Operations {
  return [
    { method: 'get', path: '/health/live', tag: 'operations', summary: 'The process runs', responses: { 200: { description: 'Alive.', schema: LivenessResponse } }, errors: [] },
    {
      method: 'get',
      path: '/health/ready',
      tag: 'operations',
      summary: 'Whether the service can serve (ready, degraded) or not (unready)',
      description: metrics.operator ? 'The checks are shown only with the operator credential.' : undefined,
      responses: { 200: { description: 'Ready or degraded.', schema: ReadinessResponse } },
      errors: [503],
      ...(metrics.operator && { security: { anyOf: ['operator'], optional: true } }),
    },
    {
      method: 'get',
      path: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      responses: { 200: { description: 'Prometheus text format.', mediaType: 'text/plain' } },
      errors: metrics.operator ? [401] : [],
      ...(metrics.operator && { security: { anyOf: ['operator'] } }),
    },
  ];
}

/**
 * Who calls the booking and payment operations: the public through the gateway (an ACTIVE queue token;
 * a waiting one is 403, an overloaded line 503), or the gateway itself (its internal credential and the
 * user id it derived: 401 without the one, 400 without the other).
 */
interface Caller {
  security: { anyOf: readonly Credential[] };
  guarded: readonly number[];
  user: { [HttpHeaders.UserId]?: z.ZodString; [HttpHeaders.QueueConcertId]?: z.ZodOptional<z.ZodString> };
}
/** 403: a waiting token (QUEUE.TOKEN_NOT_ACTIVE), or one of another concert's line (QUEUE.WRONG_QUEUE). */
const PUBLIC: Caller = { security: { anyOf: ['queueToken'] }, guarded: [401, 403, 503], user: {} };
const GATEWAY: Caller = {
  security: { anyOf: ['internal'] },
  guarded: [400, 401, 403],
  user: {
    [HttpHeaders.UserId]: z.string().meta({ description: 'The user the gateway derived from the queue token.' }),
    [HttpHeaders.QueueConcertId]: z
      .string()
      .optional()
      .meta({ description: "The concert whose line admitted the caller's token; a request about another concert is 403 QUEUE.WRONG_QUEUE." }),
  },
};
/** The caller's own error statuses and the operation's, in order. */
const errorsOf = (caller: Caller, ...statuses: number[]) => [...new Set([...caller.guarded, ...statuses])].sort((a, b) => a - b);
const headersOf = (caller: Caller) => (caller === GATEWAY ? { headers: z.object(caller.user) } : {});

/** Booking's catalogue and holds, as `caller` reaches them. */
function bookingShop(caller: Caller): Operations {
  const { security } = caller;
  const headers = headersOf(caller);
  return [
    { method: 'get', path: '/concerts', tag: 'catalogue', summary: 'The concerts on sale', security, ...headers, responses: { 200: { description: 'Concerts.', schema: ConcertListResponse } }, errors: errorsOf(caller) },
    {
      method: 'get',
      path: '/concerts/:concertId/schedules',
      tag: 'catalogue',
      summary: "A concert's dates and their free seats",
      security,
      params: ConcertIdParams,
      ...headers,
      responses: { 200: { description: 'Schedules.', schema: ScheduleListResponse } },
      errors: errorsOf(caller, 400, 404),
    },
    {
      method: 'get',
      path: '/schedules/:scheduleId/seats',
      tag: 'catalogue',
      summary: "A date's seats (`?status=AVAILABLE` filters)",
      security,
      params: ScheduleIdParams,
      query: SeatListQuery,
      ...headers,
      responses: { 200: { description: 'Seats.', schema: SeatListResponse } },
      errors: errorsOf(caller, 400, 404),
    },
    {
      method: 'post',
      path: '/reservations',
      tag: 'reservations',
      summary: 'Hold a seat for 5 minutes',
      description: 'A seat is held by one user at most; a user holds at most HOLD_LIMIT_PER_USER unpaid seats per date (409 BOOKING.HOLD_LIMIT).',
      security,
      ...headers,
      body: CreateReservationRequest,
      responses: { 201: { description: 'Held.', schema: CreateReservationResponse } },
      errors: errorsOf(caller, 400, 404, 409, 429),
    },
    {
      method: 'get',
      path: '/reservations/:reservationId',
      tag: 'reservations',
      summary: 'One of your reservations',
      security,
      params: ReservationIdParams,
      ...headers,
      responses: { 200: { description: 'The reservation.', schema: Reservation } },
      errors: errorsOf(caller, 400, 404),
    },
  ];
}

/** Payment's balance and payments, as `caller` reaches them. */
function paymentShop(caller: Caller): Operations {
  const { security } = caller;
  const headers = headersOf(caller);
  return [
    { method: 'get', path: '/balance', tag: 'payments', summary: 'Your balance', security, ...headers, responses: { 200: { description: 'Balance.', schema: BalanceResponse } }, errors: errorsOf(caller) },
    {
      method: 'post',
      path: '/balance/charge',
      tag: 'payments',
      summary: 'Add funds',
      security,
      ...headers,
      body: ChargeRequest,
      responses: { 200: { description: 'The new balance.', schema: BalanceResponse } },
      errors: errorsOf(caller, 400),
    },
    {
      method: 'post',
      path: '/payments',
      tag: 'payments',
      summary: 'Pay for a held seat',
      description:
        'Charged once per reservation. The same `Idempotency-Key` again returns the first answer, also after the queue token has expired.',
      security,
      headers: z.object({ ...caller.user, [HttpHeaders.IdempotencyKey]: IdempotencyKey.optional() }),
      body: CreatePaymentRequest,
      responses: { 201: { description: 'Paid (or the first answer again).', schema: PaymentResponse } },
      errors: errorsOf(caller, 400, 404, 409, 429),
    },
  ];
}

/** The public API: what the gateway serves at `/openapi.json`. */
export const gatewayOperations: Operations = [
  {
    method: 'post',
    path: '/queue/tokens',
    tag: 'queue',
    summary: 'Join the line',
    description:
      "One place per user per line: asking again while the token lives answers 200 with the same token. With `concertId` the user joins that concert's own line, whose token opens only that concert's schedules, seats, holds and payments (403 QUEUE.WRONG_QUEUE otherwise); without it the site-wide line. An unknown concert is 404. Before a concert's on-sale time (`opensAt` in `GET /concerts`) the answer is `PRE_QUEUE` with `opensAt`: everyone who joined before it gets a random place at the opening (a CSPRNG draw), later arrivals join behind them, so joining early or often buys nothing. In AUTH_MODE=jwt the user comes from the bearer token and `userId` may be left out.",
    security: { anyOf: ['jwt'], optional: true },
    body: IssueTokenRequest,
    responses: { 201: { description: 'A new place.', schema: IssueTokenResponse }, 200: { description: 'Your existing place.', schema: IssueTokenResponse } },
    errors: [400, 401, 404, 429, 503],
  },
  {
    method: 'get',
    path: '/queue/tokens/me',
    tag: 'queue',
    summary: 'Your place (`?wait=1..60` waits until admitted: a long-poll)',
    security: { anyOf: ['queueToken'] },
    query: TokenStatusQuery,
    responses: { 200: { description: 'Status, position, estimated wait.', schema: TokenStatusResponse } },
    errors: [400, 401, 503],
  },
  {
    method: 'delete',
    path: '/queue/tokens/me',
    tag: 'queue',
    summary: 'Leave the line (or free your active slot)',
    security: { anyOf: ['queueToken'] },
    responses: { 204: { description: 'Left.' } },
    errors: [401, 503],
  },
  {
    method: 'get',
    path: '/queue/tokens/me/events',
    tag: 'queue',
    summary: 'Server-Sent Events: `position`, `admitted`, `expired`, `prequeue`',
    description:
      'For EventSource, which cannot set headers, the token may be given as `?token=` (never logged). Reconnect with `Last-Event-ID`. A token in the pre-queue gets one `prequeue` event (`opensAt`) and the stream ends with a `retry:` that brings the EventSource back at the opening.',
    security: { anyOf: ['queueToken'] },
    query: TokenEventsQuery,
    responses: { 200: { description: 'An event stream.', mediaType: 'text/event-stream' } },
    errors: [400, 401, 503],
  },
  {
    method: 'get',
    path: '/queue/stats',
    tag: 'queue',
    summary: 'The lines: waiting, active, the admission limit in force',
    description: "With `concertId`, that concert's line; without it the totals over every line and `queues`, each line's own figures.",
    query: QueueStatsQuery,
    responses: { 200: { description: 'Queue figures.', schema: QueueStatsResponse } },
    errors: [400, 404, 503],
  },
  ...bookingShop(PUBLIC),
  ...paymentShop(PUBLIC),
  {
    method: 'get',
    path: '/ops/snapshot',
    tag: 'operations',
    summary: 'The operator dashboard’s figures (the page at /ops draws them)',
    security: { anyOf: ['operator'] },
    responses: { 200: { description: 'Queue, latency, payments, outbox, consumer lag, dead letters.', schema: OpsSnapshot } },
    errors: [401],
  },
  ...probes({ operator: true }),
];

/** Booking's own API: the shop operations for the gateway, and `/internal/*` for payment. */
export const bookingOperations: Operations = [
  ...bookingShop(GATEWAY),
  ...(['get', 'confirm', 'release'] as const).map(
    (action): ApiOperation => ({
      method: action === 'get' ? 'get' : 'post',
      path: action === 'get' ? '/internal/reservations/:reservationId' : `/internal/reservations/:reservationId/${action}`,
      tag: 'internal',
      summary: { get: 'A reservation with its user and payment', confirm: 'HELD → CONFIRMED by a payment (idempotent)', release: 'Give a held seat back (idempotent)' }[action],
      security: { anyOf: ['internal'] },
      params: ReservationIdParams,
      ...(action === 'confirm' && { body: ConfirmReservationRequest }),
      responses: { 200: { description: 'The reservation.', schema: InternalReservation } },
      errors: [400, 401, 404, 409],
    }),
  ),
  ...probes({ operator: false }),
];

/** Payment's own API, for the gateway. */
export const paymentOperations: Operations = [
  ...paymentShop(GATEWAY),
  ...probes({ operator: false }),
];

/** The sink's API. */
export const sinkOperations: Operations = [
  { method: 'get', path: '/events/stats', tag: 'events', summary: 'Events stored and duplicates ignored', responses: { 200: { description: 'Counts.', schema: SinkStatsResponse } }, errors: [503] },
  ...probes({ operator: false }),
];

/** Each service's document. */
export const apiDocuments: Record<'gateway' | 'booking' | 'payment' | 'sink', () => OpenApiDocument> = {
  gateway: () => openApiDocument({ title: 'Ticketing: public API (queue-gateway)', description: 'Join the line, wait, then browse, hold and pay through the gateway.' }, gatewayOperations),
  booking: () => openApiDocument({ title: 'Ticketing: booking (internal)', description: 'Catalogue and seat holds, called by the gateway; /internal/* by payment.' }, bookingOperations),
  payment: () => openApiDocument({ title: 'Ticketing: payment (internal)', description: 'Balances and payments, called by the gateway.' }, paymentOperations),
  sink: () => openApiDocument({ title: 'Ticketing: dataplatform-sink (internal)', description: 'What the sink has stored.' }, sinkOperations),
};
