import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';

/** How long the gateway waits on an upstream before answering 503 itself: it never hangs a client. */
export interface UpstreamTimeouts {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From sending the request to the response headers: bounds a slow handler. */
  headersMs: number;
  /** Longest pause between two chunks of the response body. */
  bodyMs: number;
  /**
   * From the call to the response headers, the wait for a free socket included (undici's own timeouts
   * start only once the request has a socket, so a call queued behind busy ones had no deadline).
   */
  deadlineMs: number;
}

/** Generous for a handler that runs one transaction, short enough that a client never waits long on a dead upstream. */
export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = { connectMs: 2_000, headersMs: 10_000, bodyMs: 10_000, deadlineMs: 12_000 };

export interface UpstreamRequest {
  method: string;
  /** Path and query string, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the call, e.g. when the client went away. */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** The upstream could not be reached or did not answer in time; the caller answers 503. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
}

/** One upstream service (booking or payment) behind a keep-alive connection pool. */
export interface Upstream {
  readonly name: string;
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Lets calls in flight finish, then closes the pool's sockets. Safe to call twice. */
  close(): Promise<void>;
}

export interface UpstreamOptions {
  name: string;
  /** Base URL, e.g. BOOKING_URL; only its origin is used. */
  url: string;
  timeouts?: Partial<UpstreamTimeouts>;
  /** Most sockets open to this upstream at once; beyond it calls queue in the pool. */
  connections?: number;
  /** Most calls queued for a socket; one more is refused at once (503) instead of joining an endless line. */
  maxQueued?: number;
}

/**
 * An undici pool per upstream: connections are reused across requests (no TCP handshake per forwarded
 * call during a rush) and bounded, so a surge at the gateway cannot open unlimited sockets to booking.
 * Requests are never retried here: a POST may have taken effect even when its answer was lost.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const timeouts = { ...DEFAULT_UPSTREAM_TIMEOUTS, ...options.timeouts };
  const connections = options.connections ?? 128;
  const pool = new Pool(new URL(options.url).origin, {
    connections,
    connectTimeout: timeouts.connectMs,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    // Below Node's default server keepAliveTimeout (5 s; our services use 65 s), so the pool drops an
    // idle socket before the server does and never writes into one being closed.
    keepAliveTimeout: 4_000,
  });
  const mostInFlight = connections + (options.maxQueued ?? connections * 4);
  let inFlight = 0;
  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    request: async (request) => {
      if (inFlight >= mostInFlight) throw new UpstreamUnavailableError(`${options.name} is saturated: ${inFlight} calls in flight or queued`);
      inFlight += 1;
      let released = false;
      const release = () => {
        if (!released) inFlight -= 1;
        released = true;
      };
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeouts.deadlineMs} ms`)), timeouts.deadlineMs);
      try {
        const response = await pool.request({
          method: request.method as 'GET',
          path: request.path,
          headers: request.headers,
          body: request.body,
          signal: request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal,
        });
        // The call counts until its body is read or dropped; the body's own timeout bounds that.
        response.body.once('close', release);
        return { status: response.statusCode, headers: response.headers, body: response.body };
      } catch (error) {
        release();
        throw new UpstreamUnavailableError(`${options.name} did not answer: ${(error as Error).message}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => {
      closing ??= pool.close();
      return closing;
    },
  };
}
