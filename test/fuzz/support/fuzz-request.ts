import fc from 'fast-check';

/** The public endpoints of API.md, one fuzz property each. */
export const ENDPOINTS = [
  'POST /queue/tokens',
  'GET /queue/tokens/me',
  'DELETE /queue/tokens/me',
  'GET /queue/stats',
  'GET /concerts',
  'GET /concerts/:concertId/schedules',
  'GET /schedules/:scheduleId/seats',
  'GET /schedules/:scheduleId/seats?status=',
  'POST /reservations',
  'GET /reservations/:reservationId',
  'GET /balance',
  'POST /balance/charge',
  'POST /payments',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** A body as sent: text or bytes with a Content-Length, or chunks sent with `Transfer-Encoding: chunked`. */
export type FuzzBody = string | Buffer | { chunks: Buffer[] };

/** One malformed request; `what` says how it is malformed (shown when a property fails). */
export interface FuzzRequest {
  endpoint: Endpoint;
  method: string;
  /** Path and query, already as they go on the request line. */
  path: string;
  /** Flat name/value pairs, so a header can repeat. */
  headers: string[];
  body?: FuzzBody;
  what: string[];
  /** When set, the only statuses this request may get (e.g. 413 for a body over the limit). */
  statuses?: number[];
}

const clip = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

export function bodySize(body: FuzzBody | undefined): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  return body.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

/** A short, printable account of a request (fast-check prints it for a counterexample). */
export function describeRequest(request: FuzzRequest): string {
  const headers: string[] = [];
  for (let i = 0; i < request.headers.length; i += 2) headers.push(`${request.headers[i]}: ${clip(JSON.stringify(request.headers[i + 1]), 80)}`);
  const body = request.body;
  const bodyText = body === undefined ? '(no body)' : typeof body === 'string' ? clip(JSON.stringify(body)) : `(${bodySize(body)} bytes${Buffer.isBuffer(body) ? '' : ', chunked'})`;
  return `${request.method} ${clip(request.path)} [${request.what.join(', ')}] headers {${headers.join('; ')}} body ${bodyText}`;
}

/** Gives a request fast-check's custom printing, so a failing counterexample stays readable. */
export function printable(request: FuzzRequest): FuzzRequest {
  return Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request), enumerable: false });
}
