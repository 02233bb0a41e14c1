/*
 * The page's one way to call the gateway: JSON in and out, the queue token (and in AUTH_MODE=jwt the
 * host site's bearer token) attached, and every error answer turned into a sentence a person understands
 * together with what the page should do next.
 */

export interface ApiError {
  status: number;
  code: string;
  /** For the person: what happened and what to do. */
  sentence: string;
  /** Seconds to wait before trying again (429, 503). */
  retryAfter?: number;
}

const SENTENCES: Record<string, string> = {
  'QUEUE.TOKEN_INVALID': 'Your place in the queue has ended (it expired, or you finished). Join the queue again to continue.',
  'QUEUE.TOKEN_NOT_ACTIVE': 'You are still in line. We will let you in as soon as it is your turn.',
  'QUEUE.RATE_LIMITED': 'That was a lot of tries in a short time. Please wait a moment, then try again.',
  'QUEUE.UNAVAILABLE': 'The queue is very busy right now. We will try again for you in a moment.',
  'COMMON.UNAVAILABLE': 'The system is very busy right now. Please try again in a moment.',
  'BOOKING.SEAT_UNAVAILABLE': 'Someone else just took that seat. Please choose another one.',
  'BOOKING.HOLD_LIMIT': 'You already hold as many seats as one person may for this date. Pay for or release one first.',
  'BOOKING.RESERVATION_EXPIRED': 'Your hold ran out before payment. Please choose a seat again.',
  'BOOKING.RESERVATION_NOT_FOUND': 'We could not find that reservation. Please choose a seat again.',
  'PAYMENT.INSUFFICIENT_BALANCE': 'Your balance does not cover this seat. Add funds, then pay.',
  'PAYMENT.ALREADY_PAID': 'This seat is already paid for.',
  'AUTH.TOKEN_INVALID': 'Your sign-in is missing or has expired. Please sign in again on the ticketing site.',
};

export function sentenceFor(status: number, code: string, fallback: string): string {
  const byStatus: Record<number, string> = { 401: 'QUEUE.TOKEN_INVALID', 429: 'QUEUE.RATE_LIMITED', 503: 'COMMON.UNAVAILABLE' };
  const known = SENTENCES[code] ?? SENTENCES[byStatus[status] ?? ''];
  if (known) return known;
  if (status >= 400 && status < 500) return `That did not work: ${fallback}`;
  return 'Something went wrong on our side. Please try again.';
}

export class Gateway {
  queueToken: string | undefined;

  constructor(private readonly bearer: () => string | undefined) {}

  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const bearer = this.bearer();
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(this.queueToken ? { 'X-Queue-Token': this.queueToken } : {}),
          ...(bearer && path === '/queue/tokens' ? { Authorization: `Bearer ${bearer}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw { status: 0, code: 'NETWORK', sentence: 'We cannot reach the ticketing service. Check your connection; we will keep trying.', retryAfter: 2 } satisfies ApiError;
    }
    if (response.status === 204) return undefined as T;
    const answer = (await response.json().catch(() => ({}))) as T & { code?: string; message?: string };
    if (!response.ok) {
      const retry = Number(response.headers.get('Retry-After'));
      const code = answer.code ?? `HTTP.${response.status}`;
      throw {
        status: response.status,
        code,
        sentence: sentenceFor(response.status, code, answer.message ?? response.statusText),
        ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}),
      } satisfies ApiError;
    }
    return answer;
  }
}

export const isApiError = (error: unknown): error is ApiError => typeof error === 'object' && error !== null && 'sentence' in error;
