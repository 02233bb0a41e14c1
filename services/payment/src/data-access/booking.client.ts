import { InternalReservation } from '@ticketing/contracts';
import { text } from 'node:stream/consumers';
import { createUpstream, internalHeaders, type Upstream } from '@ticketing/service-kit';
import type { BookingPort, Confirmation, ReservationLookup } from '../domain/payment';

interface Answer {
  status: number;
  body: { code?: unknown } & Record<string, unknown>;
}

/**
 * Booking's internal API over HTTP. Only answers booking actually gave are turned into decisions; a
 * network error, a timeout or a 5xx is "unavailable", so the saga waits instead of guessing. A 404 counts
 * as "no such reservation" only with booking's own code: a wrong BOOKING_URL must never refund payments.
 */
export class HttpBookingClient implements BookingPort {
  /** A keep-alive pool (not `fetch`, whose Request/Response objects cost more CPU than the call itself). */
  private readonly upstream: Upstream;

  constructor(baseUrl: string, private readonly token: string, private readonly timeoutMs: number) {
    this.upstream = createUpstream({ name: 'booking', url: baseUrl, timeouts: { connectMs: timeoutMs, headersMs: timeoutMs, bodyMs: timeoutMs, deadlineMs: timeoutMs } });
  }

  /** Lets calls in flight finish, then closes the pool's sockets. */
  close(): Promise<void> {
    return this.upstream.close();
  }

  async get(reservationId: string): Promise<ReservationLookup> {
    const answer = await this.call('GET', `/internal/reservations/${reservationId}`);
    if (!answer) return { kind: 'unavailable' };
    if (answer.status === 200) return { kind: 'found', reservation: InternalReservation.parse(answer.body) };
    if (isMissing(answer)) return { kind: 'not-found' };
    throw unexpected('GET', answer);
  }

  async confirm(reservationId: string, paymentId: string): Promise<Confirmation> {
    const answer = await this.call('POST', `/internal/reservations/${reservationId}/confirm`, { paymentId });
    if (!answer) return { kind: 'unavailable' };
    if (answer.status === 200) return { kind: 'confirmed', reservation: InternalReservation.parse(answer.body) };
    if (answer.status === 409 && answer.body.code === 'BOOKING.RESERVATION_EXPIRED') return { kind: 'expired' };
    if (answer.status === 409 && answer.body.code === 'PAYMENT.ALREADY_PAID') return { kind: 'paid-by-other' };
    if (isMissing(answer)) return { kind: 'not-found' };
    throw unexpected('confirm', answer);
  }

  async release(reservationId: string): Promise<void> {
    // Best effort: the hold's own expiry job and booking's sweeper release it anyway.
    await this.call('POST', `/internal/reservations/${reservationId}/release`).catch(() => undefined);
  }

  /** undefined when booking gave no usable answer (unreachable, timed out, 5xx, not JSON). */
  private async call(method: string, path: string, body?: unknown): Promise<Answer | undefined> {
    try {
      const res = await this.upstream.request({
        method,
        path,
        headers: { ...internalHeaders({ token: this.token }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        // One deadline for the whole call, body included: payment recovery relies on no call outliving it.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const answer = await text(res.body);
      if (res.status >= 500) return undefined;
      return { status: res.status, body: answer ? JSON.parse(answer) : {} };
    } catch {
      return undefined;
    }
  }
}

const isMissing = (answer: Answer) => answer.status === 404 && answer.body.code === 'BOOKING.RESERVATION_NOT_FOUND';
const unexpected = (what: string, answer: Answer) =>
  new Error(`booking ${what} answered ${answer.status} ${typeof answer.body.code === 'string' ? answer.body.code : ''}`.trim());
