import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { match, type MatchFunction } from 'path-to-regexp';
import proxyAddr from 'proxy-addr';
import type { Logger } from 'pino';
import { errorAnswer } from '../errors/error-handler';
import { AppError } from '../errors/app-error';
import { runWithCorrelationId } from '../logger/request-context';
import type { HttpDuration } from '../metrics/metrics';
import { closeListener, writeReply, type ApiRequest, type ApiRoute } from './api-route';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body';
import { adoptRequestId, REQUEST_ID_HEADER } from './request-id';

/** What `listen` serves: a Node request listener (an Express app is one). */
export type ServiceApp = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastLaneOptions {
  routes: readonly ApiRoute[];
  /** The full Express app: every request the lane does not take goes there untouched. */
  fallback: ServiceApp;
  duration: HttpDuration;
  logger: Logger;
  bodyLimitBytes: number;
  /** Express's `trust proxy` setting, compiled, so `ip` is the address Express would see. */
  trustProxy: string[];
}

interface CompiledRoute {
  route: ApiRoute;
  matches: MatchFunction<Partial<Record<string, string>>>;
}

/** `{`, or `[`, first: body-parser's strict mode, which refuses a bare JSON string or number. */
const STRICT_JSON_START = /^[\x20\x09\x0a\x0d]*[{[]/;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * Whether the request's body is one the lane reads exactly as the app's JSON parser would: none, or a
 * plain (not chunked, not compressed) UTF-8 JSON body within the limit. Anything else (a gzip body, a
 * charset, a body too large, another type) goes to Express, which answers it as it always has.
 */
function plainBody(req: IncomingMessage, limit: number): { length: number } | undefined {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return undefined;
  const declared = headers['content-length'];
  if (declared === undefined) return { length: -1 };
  if (!/^\d{1,9}$/.test(declared) || Number(declared) > limit) return undefined;
  const type = headers['content-type']?.toLowerCase();
  if (type === undefined) return declared === '0' ? { length: -1 } : undefined;
  return JSON_TYPES.has(type) ? { length: Number(declared) } : undefined;
}

function readJson(req: IncomingMessage, length: number): Promise<unknown> {
  if (length === -1) return Promise.resolve(undefined);
  // body-parser answers an empty JSON body with {}.
  if (length === 0) return Promise.resolve({});
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', reject);
    // A client that goes away mid-body: nothing is answered, but nothing is left waiting either.
    req.once('close', () => {
      if (!req.complete) reject(new AppError('VALIDATION.INVALID_BODY', 'Request body was aborted'));
    });
    req.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        if (!STRICT_JSON_START.test(text)) throw new SyntaxError('not an object or array');
        body = JSON.parse(text);
      } catch (error) {
        reject(new AppError('VALIDATION.MALFORMED_JSON', 'Request body is not valid JSON', { cause: error }));
        return;
      }
      if (nestsDeeperThan(body, MAX_JSON_DEPTH)) reject(new AppError('VALIDATION.INVALID_BODY', `Request body nests deeper than ${MAX_JSON_DEPTH} levels`));
      else resolve(body);
    });
  });
}

/**
 * The hottest routes, served before Express's middleware chain (its router, body parser and the
 * request/response prototypes cost ~200 µs of CPU per request; see docs/PERFORMANCE.md). A request
 * is taken only when it is plain: a listed method and path, a Host header, no access log wanted, a body
 * the lane reads as the JSON parser would. It then gets what the chain gives every request: the request
 * id (adopted or new) echoed and in the log context, the latency histogram under the route's template,
 * the same error shape for anything thrown. Everything else falls through to `fallback`, the full app,
 * which serves the same routes (mounted with `expressHandler`) with the same answers.
 */
export function fastLane(options: FastLaneOptions): ServiceApp {
  const { fallback, duration, logger, bodyLimitBytes } = options;
  const trust = proxyAddr.compile(options.trustProxy);
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const route of options.routes) {
    const list = byMethod.get(route.method) ?? [];
    list.push({ route, matches: match(route.path, { decode: decodeURIComponent }) });
    byMethod.set(route.method, list);
  }

  const find = (method: string, path: string) => {
    for (const compiled of byMethod.get(method) ?? []) {
      try {
        const hit = compiled.matches(path);
        if (hit) return { route: compiled.route, params: hit.params as Record<string, string> };
      } catch {
        // A parameter that does not decode: Express answers it.
        return undefined;
      }
    }
    return undefined;
  };

  /** `routed` turns true once the body is read: as in the chain, a body refused by the parser counts as unmatched. */
  const serve = async (req: IncomingMessage, res: ServerResponse, request: ApiRequest, route: ApiRoute, length: number, routed: { yes: boolean }) => {
    const echo = { [REQUEST_ID_HEADER]: request.requestId };
    try {
      request.body = await readJson(req, length);
      routed.yes = true;
      await writeReply(res, await route.handle(request), echo);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      await writeReply(res, errorAnswer(error, logger), echo);
    }
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const hit = req.headers.host !== undefined ? find(req.method ?? '', path) : undefined;
    const body = hit ? plainBody(req, bodyLimitBytes) : undefined;
    if (!hit || !body) {
      fallback(req, res);
      return;
    }
    const requestId = adoptRequestId(req.headers['x-request-id']);
    const end = duration.startTimer();
    const routed = { yes: false };
    res.once('finish', () => end({ method: hit.route.method, route: routed.yes ? hit.route.path : 'unmatched', status_code: String(res.statusCode) }));
    const search = queryAt === -1 ? '' : url.slice(queryAt);
    const request: ApiRequest = {
      method: hit.route.method,
      params: hit.params,
      query: parseQuery(search.slice(1)),
      search,
      headers: req.headers,
      body: undefined,
      ip: proxyAddr(req, trust),
      requestId,
      onClose: closeListener(res),
    };
    runWithCorrelationId(requestId, () => void serve(req, res, request, hit.route, body.length, routed));
  };
}
