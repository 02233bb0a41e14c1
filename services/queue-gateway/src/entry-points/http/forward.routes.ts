import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { HttpHeaders } from '@ticketing/contracts';
import { AppError, internalHeaders, type ApiHandler, type ApiRequest, type ApiRoute, type Logger, type Upstream } from '@ticketing/service-kit';
import type { KeyedLimit } from '../../data-access/rate.limiter';
import { concertOfToken } from '../../domain/queue-line';
import { enforceLimit } from './rate-limit';
import type { VerifiedCaller, VerifyQueueToken } from './verify-token';

type Method = 'GET' | 'POST';
type Target = 'booking' | 'payment';

/** The protected routes of API.md and who serves each: catalogue and reservations → booking, money → payment. */
export const PROTECTED_ROUTES: readonly { method: Method; path: string; target: Target }[] = [
  { method: 'GET', path: '/concerts', target: 'booking' },
  { method: 'GET', path: '/concerts/:concertId/schedules', target: 'booking' },
  { method: 'GET', path: '/schedules/:scheduleId/seats', target: 'booking' },
  { method: 'POST', path: '/reservations', target: 'booking' },
  { method: 'GET', path: '/reservations/:reservationId', target: 'booking' },
  { method: 'GET', path: '/balance', target: 'payment' },
  { method: 'POST', path: '/balance/charge', target: 'payment' },
  { method: 'POST', path: '/payments', target: 'payment' },
];

/**
 * Client headers that may travel on. An allow-list rather than a deny-list: internal headers
 * (INTERNAL_ONLY_HEADERS), hop-by-hop headers, Host, cookies, the queue token itself and anything a
 * client invents are dropped by construction; the internal ones are then set by the gateway alone.
 */
const IDEMPOTENCY_KEY = HttpHeaders.IdempotencyKey.toLowerCase();
const FORWARDED_REQUEST_HEADERS = ['accept', 'accept-language', 'user-agent', IDEMPOTENCY_KEY];

/** Upstream response headers relayed to the client; the rest (framing, Set-Cookie, server details) stay behind. */
const RELAYED_RESPONSE_HEADERS = ['content-type', 'content-length', 'cache-control', 'etag', 'last-modified', 'location', 'retry-after'];

export interface ForwardRoutesDependencies {
  /** `verifyQueueToken(…)`: runs first on every protected route and names the caller. */
  verify: VerifyQueueToken;
  upstreams: Record<Target, Upstream>;
  /** INTERNAL_TOKEN, presented to booking and payment. */
  internalToken: string;
  logger: Logger;
  /** Each upstream call's token, latency up to its headers and whether it failed (5xx or no answer): the adaptive admission limit's input. */
  observe?: (token: string, latencyMs: number, failed: boolean) => void;
  /**
   * Called when a payment completed (`POST /payments` answered 201) with the token that paid: its slot
   * is freed at once rather than after PaymentCompleted travels through Kafka (which still expires it,
   * idempotently, as the durable path).
   */
  onPaid?: (token: string) => void;
  /** Called when a seat was held (`POST /reservations` answered 201) with the token and the hold's end. */
  onHeld?: (token: string, holdEndsAt: number) => void;
  /**
   * Per-user limits of the calls that take something (a seat, money): `POST /reservations` and
   * `POST /payments` beyond them answer 429 with Retry-After before anything is forwarded.
   */
  limits?: { holds: KeyedLimit; payments: KeyedLimit };
  /** Called with `hold` or `payment` when a limit refused a call (a metric). */
  onRateLimited?: (limit: 'hold' | 'payment') => void;
}

/** The hold's end in a `201` answer of `POST /reservations`, or undefined when the body is not one. */
function holdEndOf(body: string): number | undefined {
  try {
    const expiresAt = Date.parse((JSON.parse(body) as { expiresAt?: unknown }).expiresAt as string);
    return Number.isFinite(expiresAt) ? expiresAt : undefined;
  } catch {
    return undefined;
  }
}

/** The upstream path: the route's template with the matched parameters re-encoded, plus the raw query. */
function upstreamPath(template: string, req: ApiRequest): string {
  return template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(req.params[name] ?? '')) + req.search;
}

function requestHeaders(req: ApiRequest, caller: VerifiedCaller, internalToken: string, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (hasBody) headers['content-type'] = 'application/json';
  // The user comes from the verified token only; whatever the client sent as X-User-Id was never copied.
  if (caller.replayOnly) headers[HttpHeaders.ReplayOnly] = 'true';
  // A concert line's token opens that concert only: booking and payment refuse the others (403 QUEUE.WRONG_QUEUE).
  return { ...headers, ...internalHeaders({ token: internalToken, userId: caller.userId, concertId: concertOfToken(caller.token), requestId: req.requestId }) };
}

/**
 * The protected routes: verify the queue token, then forward method, path, query and JSON body to
 * booking or payment and relay the answer (status, body, safe headers). An upstream that cannot be
 * reached or does not answer in time is a 503 COMMON.UNAVAILABLE, never a hanging request.
 */
export function forwardRoutes(deps: ForwardRoutesDependencies): ApiRoute[] {
  const logger = deps.logger.child({ component: 'forward' });

  const limited = new Map<string, { limit: KeyedLimit; what: string; name: 'hold' | 'payment' }>();
  if (deps.limits) {
    limited.set('POST /reservations', { limit: deps.limits.holds, what: 'seat holds from this user', name: 'hold' });
    limited.set('POST /payments', { limit: deps.limits.payments, what: 'payments from this user', name: 'payment' });
  }

  const forward = (template: string, upstream: Upstream): ApiHandler => async (req) => {
    // A payment asked for again with its key may come after paying ended the token (API.md).
    const replay = template === '/payments' && typeof req.headers[IDEMPOTENCY_KEY] === 'string';
    const caller = await deps.verify(req.headers, { replay });
    const rule = limited.get(`${req.method} ${template}`);
    if (rule && !caller.replayOnly) await enforceLimit(rule.limit, caller.userId, rule.what, () => deps.onRateLimited?.(rule.name));
    // The body was parsed (bad JSON refused with a 400) on the way in; it goes on re-serialized.
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
    const aborted = new AbortController();
    req.onClose(() => aborted.abort());
    const started = performance.now();
    const answer = await upstream
      .request({
        method: req.method,
        path: upstreamPath(template, req),
        headers: requestHeaders(req, caller, deps.internalToken, hasBody),
        body: hasBody ? JSON.stringify(req.body) : undefined,
        signal: aborted.signal,
      })
      .catch((error: unknown) => {
        deps.observe?.(caller.token, performance.now() - started, true);
        throw new AppError('COMMON.UNAVAILABLE', `The ${upstream.name} service is unavailable; retry shortly`, {
          cause: error,
          headers: { [HttpHeaders.RetryAfter]: '1' },
        });
      });
    deps.observe?.(caller.token, performance.now() - started, answer.status >= 500);
    if (answer.status === 201 && template === '/payments' && !caller.replayOnly) deps.onPaid?.(caller.token);
    const headers: Record<string, string | string[]> = {};
    for (const name of RELAYED_RESPONSE_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    let body: Readable = answer.body;
    if (answer.status === 201 && template === '/reservations' && deps.onHeld) {
      // A hold's answer is a few hundred bytes: read it to learn when the hold ends, then relay it.
      const held = await text(answer.body);
      const holdEndsAt = holdEndOf(held);
      if (holdEndsAt !== undefined) deps.onHeld(caller.token, holdEndsAt);
      body = Readable.from([held]);
    }
    // Streamed, not buffered: a long seat list costs no gateway memory. A failure mid-body can only cut
    // the response short (its status is already sent), so it is logged, not turned into an error answer.
    const onSent = (error?: unknown) => {
      if (error) logger.warn({ err: error, upstream: upstream.name }, 'relaying the upstream answer failed');
    };
    return { status: answer.status, headers, body, onSent };
  };

  const fastRoutes: ApiRoute[] = PROTECTED_ROUTES.map((route) => ({ method: route.method, path: route.path, handle: forward(route.path, deps.upstreams[route.target]) }));
  return fastRoutes;
}
