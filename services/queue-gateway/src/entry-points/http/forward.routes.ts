import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { HttpHeaders } from '@ticketing/contracts';
import { AppError, callerUserId, internalHeaders, type Logger } from '@ticketing/service-kit';
import type { Upstream } from '../../data-access/upstream.client';

type Method = 'get' | 'post';
type Target = 'booking' | 'payment';

/** The protected routes of API.md and who serves each: catalogue and reservations → booking, money → payment. */
export const PROTECTED_ROUTES: readonly { method: Method; path: string; target: Target }[] = [
  { method: 'get', path: '/concerts', target: 'booking' },
  { method: 'get', path: '/concerts/:concertId/schedules', target: 'booking' },
  { method: 'get', path: '/schedules/:scheduleId/seats', target: 'booking' },
  { method: 'post', path: '/reservations', target: 'booking' },
  { method: 'get', path: '/reservations/:reservationId', target: 'booking' },
  { method: 'get', path: '/balance', target: 'payment' },
  { method: 'post', path: '/balance/charge', target: 'payment' },
  { method: 'post', path: '/payments', target: 'payment' },
];

/**
 * Client headers that may travel on. An allow-list rather than a deny-list: internal headers
 * (INTERNAL_ONLY_HEADERS), hop-by-hop headers, Host, cookies, the queue token itself and anything a
 * client invents are dropped by construction; the internal ones are then set by the gateway alone.
 */
const FORWARDED_REQUEST_HEADERS = ['accept', 'accept-language', 'user-agent', HttpHeaders.IdempotencyKey.toLowerCase()];

/** Upstream response headers relayed to the client; the rest (framing, Set-Cookie, server details) stay behind. */
const RELAYED_RESPONSE_HEADERS = ['content-type', 'content-length', 'cache-control', 'etag', 'last-modified', 'location', 'retry-after'];

export interface ForwardRoutesDependencies {
  /** `verifyQueueToken(…)`: runs first on every protected route and sets `res.locals.userId`. */
  verify: RequestHandler;
  upstreams: Record<Target, Upstream>;
  /** INTERNAL_TOKEN, presented to booking and payment. */
  internalToken: string;
  logger: Logger;
  /** Each upstream call's latency up to its headers and whether it failed (5xx or no answer): the adaptive admission limit's input. */
  observe?: (latencyMs: number, failed: boolean) => void;
  /**
   * Called when a payment completed (`POST /payments` answered 201) with the token that paid: its slot
   * is freed at once rather than after PaymentCompleted travels through Kafka (which still expires it,
   * idempotently, as the durable path).
   */
  onPaid?: (token: string) => void;
  /** Called when a seat was held (`POST /reservations` answered 201) with the token and the hold's end. */
  onHeld?: (token: string, holdEndsAt: number) => void;
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
function upstreamPath(template: string, req: Request): string {
  const path = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(req.params[name] ?? '')));
  const query = req.originalUrl.indexOf('?');
  return query === -1 ? path : path + req.originalUrl.slice(query);
}

function requestHeaders(req: Request, res: Response, internalToken: string, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (hasBody) headers['content-type'] = 'application/json';
  const requestId = res.getHeader(HttpHeaders.RequestId);
  // The user comes from the verified token only; whatever the client sent as X-User-Id was never copied.
  return { ...headers, ...internalHeaders({ token: internalToken, userId: callerUserId(res), requestId: requestId === undefined ? undefined : String(requestId) }) };
}

/**
 * The protected routes: verify the queue token, then forward method, path, query and JSON body to
 * booking or payment and relay the answer (status, body, safe headers). An upstream that cannot be
 * reached or does not answer in time is a 503 COMMON.UNAVAILABLE, never a hanging request.
 */
export function forwardRoutes(deps: ForwardRoutesDependencies): Router {
  const logger = deps.logger.child({ component: 'forward' });
  const router = express.Router();

  const forward = (template: string, upstream: Upstream): RequestHandler => async (req, res) => {
    // express.json already parsed the body (and refused bad JSON with a 400); send it on re-serialized.
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const started = performance.now();
    const answer = await upstream
      .request({
        method: req.method,
        path: upstreamPath(template, req),
        headers: requestHeaders(req, res, deps.internalToken, hasBody),
        body: hasBody ? JSON.stringify(req.body) : undefined,
        signal: aborted.signal,
      })
      .catch((error: unknown) => {
        deps.observe?.(performance.now() - started, true);
        throw new AppError('COMMON.UNAVAILABLE', `The ${upstream.name} service is unavailable; retry shortly`, {
          cause: error,
          headers: { [HttpHeaders.RetryAfter]: '1' },
        });
      });
    deps.observe?.(performance.now() - started, answer.status >= 500);
    if (answer.status === 201 && template === '/payments') deps.onPaid?.(String(res.locals.queueToken));
    res.status(answer.status);
    for (const name of RELAYED_RESPONSE_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    if (answer.status === 201 && template === '/reservations' && deps.onHeld) {
      // A hold's answer is a few hundred bytes: read it to learn when the hold ends, then relay it.
      const body = await text(answer.body);
      const holdEndsAt = holdEndOf(body);
      if (holdEndsAt !== undefined) deps.onHeld(String(res.locals.queueToken), holdEndsAt);
      res.end(body);
      return;
    }
    // Streamed, not buffered: a long seat list costs no gateway memory. A failure mid-body can only cut
    // the response short (its status is already sent), so it is logged, not turned into an error answer.
    await pipeline(answer.body, res).catch((error: unknown) => logger.warn({ err: error, upstream: upstream.name }, 'relaying the upstream answer failed'));
  };

  const allowed = new Map<string, string[]>();
  for (const route of PROTECTED_ROUTES) {
    router[route.method](route.path, deps.verify, forward(route.path, deps.upstreams[route.target]));
    allowed.set(route.path, [...(allowed.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  // Other methods on these paths are not part of the contract: 405, and never forwarded.
  for (const [path, methods] of allowed) {
    router.all(path, (_req, res, next) => {
      res.setHeader('Allow', methods.join(', '));
      next(new AppError('COMMON.METHOD_NOT_ALLOWED', `Use ${methods.join(' or ')} on ${path}`));
    });
  }
  return router;
}
