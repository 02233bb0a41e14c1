import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import { REQUEST_ID_HEADER } from './request-id';

/** What a route handler sees of a request, whichever lane (the fast lane or Express) carried it. */
export interface ApiRequest {
  method: string;
  /** The matched route's path parameters, decoded. */
  params: Readonly<Record<string, string>>;
  /** The parsed query string (Express's "simple" parser: `node:querystring`). */
  query: Readonly<Record<string, unknown>>;
  /** The raw query string with its `?`, or '' when there is none. */
  search: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the request had none. */
  body: unknown;
  /** The client's address; X-Forwarded-For counts only from a trusted (loopback) proxy. */
  ip: string;
  requestId: string;
  /** Runs `listener` if the client goes away before the answer is complete; returns the way to stop listening. */
  onClose: (listener: () => void) => () => void;
}

/** A handler's answer: a status, extra headers and a JSON body, a relayed stream, or nothing (204). */
export interface ApiReply {
  status: number;
  headers?: Readonly<OutgoingHttpHeaders>;
  body?: unknown;
  /** A body already serialised as JSON (a cached list), sent as is. */
  json?: string;
  /**
   * Called once the answer is written (a relayed stream: once it ended), whatever the lane; with the
   * error when relaying a stream failed midway (its status is sent, so it can only have been cut short).
   */
  onSent?: (error?: unknown) => void;
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiReply>;

/** A route written once and served by either lane: method, an Express-style path, the handler. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handle: ApiHandler;
}

/** The `onClose` of an ApiRequest answered through `res`. */
export function closeListener(res: ServerResponse): ApiRequest['onClose'] {
  return (listener) => {
    const closed = () => {
      if (!res.writableFinished) listener();
    };
    res.once('close', closed);
    return () => res.off('close', closed);
  };
}

/**
 * Streams `body` into `res` and resolves once `res` is done, with the failure if either side broke
 * off (the other is then destroyed, so an upstream socket is never left half-read). `pipe` rather
 * than `stream.pipeline`: the latter creates an AbortController per call and aborts it at the end,
 * and building that DOMException was 2% of the gateway's CPU in a load test.
 */
function relay(body: Readable, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve) => {
    let failure: unknown;
    body.once('error', (error) => {
      failure = error;
      res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) {
        failure ??= new Error('the client went away before the answer was complete');
        body.destroy();
      }
      resolve(failure);
    });
    body.pipe(res);
  });
}

/**
 * Writes a reply. A JSON body gets the same headers `res.json` sets (type with charset, length); a
 * Readable is streamed, not buffered (a failure midway cuts the answer short and reaches `onSent`).
 * Headers go out in one `writeHead` (with `extraHeaders`, e.g. the request id) rather than one
 * `setHeader` each, which was a visible share of a short answer's CPU.
 */
export async function writeReply(res: ServerResponse, reply: ApiReply, extraHeaders?: Readonly<Record<string, string>>): Promise<void> {
  const headers: OutgoingHttpHeaders = { ...extraHeaders, ...reply.headers };
  if (reply.body instanceof Readable) {
    res.writeHead(reply.status, headers);
    reply.onSent?.(await relay(reply.body, res));
    return;
  }
  const json = reply.json ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body));
  if (json === undefined) {
    res.writeHead(reply.status, headers).end();
  } else {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(json);
    res.writeHead(reply.status, headers).end(json);
  }
  reply.onSent?.();
}
/** The ApiRequest of a request Express has routed (its body parsed by the app's JSON parser). */
function apiRequestOf(req: Request, res: Response): ApiRequest {
  const query = req.originalUrl.indexOf('?');
  return {
    method: req.method,
    params: req.params as Record<string, string>,
    query: req.query as Record<string, unknown>,
    search: query === -1 ? '' : req.originalUrl.slice(query),
    headers: req.headers,
    body: req.body,
    ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    requestId: String(res.getHeader(REQUEST_ID_HEADER) ?? ''),
    onClose: closeListener(res),
  };
}

/** Serves an ApiHandler as an Express route handler; failures go to the app's error handler. */
export function expressHandler(handle: ApiHandler): RequestHandler {
  return async (req, res) => {
    await writeReply(res, await handle(apiRequestOf(req, res)));
  };
}
