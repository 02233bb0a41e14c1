import express, { type Request, type Response, type Router } from 'express';
import { randomInt } from 'node:crypto';
import { HttpHeaders, TokenEventsQuery, type QueueAdmittedEvent, type QueuePositionEvent, type QueuePreQueueEvent } from '@ticketing/contracts';
import { AppError, parseInput } from '@ticketing/service-kit';
import { decayedAdmissionRate } from '../../domain/admission-rate';
import { isWellFormedQueueToken, type TokenLookup } from '../../domain/queue-token';
import { secondsUntil } from '../../domain/wait-estimate';
import type { Presence, WaiterState, WaitingRoom } from '../../domain/waiting-room';

/** How often the streams are looked over, how rarely a position is re-sent, how often a silent stream gets a heartbeat. */
export interface QueueEventsTiming {
  sweepMs: number;
  minPositionIntervalMs: number;
  heartbeatMs: number;
}

const DEFAULT_TIMING: QueueEventsTiming = { sweepMs: 1_000, minPositionIntervalMs: 2_000, heartbeatMs: 15_000 };

/** What a stream needs of its token's line. */
export interface EventsLine {
  /** This process's waiters of the line. */
  room: WaitingRoom;
  /** Seconds to wait at a position given a measured rate (`waitEstimator` of the line's limit). */
  estimate: (position: number, ratePerSecond: number | undefined) => number;
}

export interface QueueEventsDependencies {
  /** The breaker-wrapped lookup: the first state of a stream is read like `GET /queue/tokens/me`. */
  lookup: TokenLookup;
  /** The line a token was issued by (undefined: an unknown concert's token, refused as unknown). */
  lineOf: (token: string) => Promise<EventsLine | undefined>;
  timing?: Partial<QueueEventsTiming>;
}

export interface QueueEventRoutes {
  router: Router;
  /** Ends every stream (clients reconnect, with their Last-Event-ID, to a process still running). */
  close(): void;
}

interface Stream {
  res: Response;
  line: EventsLine;
  presence: Presence;
  nextId: number;
  lastPosition?: number;
  lastEstimate?: number;
  lastPositionAt: number;
  lastWriteAt: number;
  admitted: boolean;
  expiry?: NodeJS.Timeout;
}

/** Pre-queue streams come back at the opening spread over this long, not all in the same millisecond. */
const REOPEN_SPREAD_MS = 5_000;

/** An ETA moves "noticeably" by 10 % and at least 5 s: a person does not care about one second more or less. */
const noticeable = (before: number | undefined, after: number) => before === undefined || Math.abs(after - before) >= Math.max(5, before * 0.1);

/**
 * `GET /queue/tokens/me/events` (API.md "Waiting without polling"): Server-Sent Events for one token. A
 * `position` event at once and on noticeable change (at most every 2 s), `admitted` when the token
 * becomes ACTIVE, `expired` when it ends, comment heartbeats in between. Events carry increasing ids;
 * a reconnect (with Last-Event-ID) continues the numbering and starts with the current state, so the
 * place is never lost: it belongs to the token, not to the connection.
 *
 * Idle streams cost no Redis calls: admissions reach them through the waiting room's feed, positions
 * are estimated from its cursor, and one timer per process (not per stream) sends what changed.
 */
export function queueEventRoutes(deps: QueueEventsDependencies): QueueEventRoutes {
  const timing = { ...DEFAULT_TIMING, ...deps.timing };
  const streams = new Set<Stream>();
  const router = express.Router();

  const write = (stream: Stream, event: string, data: object) => {
    stream.res.write(`id: ${stream.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    stream.lastWriteAt = Date.now();
  };
  const end = (stream: Stream) => {
    if (!streams.delete(stream)) return;
    clearTimeout(stream.expiry);
    stream.presence.leave();
    stream.res.end();
  };
  const roomRate = (line: EventsLine, now: number) => {
    const rate = line.room.admissionRate();
    return decayedAdmissionRate(rate.perSecond, rate.at, now);
  };
  const sendPosition = (stream: Stream, position: number, now: number, ratePerSecond = roomRate(stream.line, now)) => {
    const estimatedWaitSeconds = stream.line.estimate(position, ratePerSecond);
    if (position === stream.lastPosition && !noticeable(stream.lastEstimate, estimatedWaitSeconds)) return;
    const data: QueuePositionEvent = { status: 'WAITING', position, estimatedWaitSeconds };
    write(stream, 'position', data);
    Object.assign(stream, { lastPosition: position, lastEstimate: estimatedWaitSeconds, lastPositionAt: now });
  };
  const onState = (stream: Stream, state: WaiterState) => {
    if (state.status === 'ACTIVE') {
      if (stream.admitted) return;
      stream.admitted = true;
      const data: QueueAdmittedEvent = { status: 'ACTIVE', expiresAt: new Date(state.expiresAt).toISOString() };
      write(stream, 'admitted', data);
      clearTimeout(stream.expiry);
      // The slot lapses by the clock: say so then (a payment or a leave before it arrives as GONE).
      stream.expiry = setTimeout(() => onState(stream, { status: 'GONE' }), Math.max(0, state.expiresAt - Date.now()));
    } else if (state.status === 'GONE') {
      write(stream, 'expired', { status: 'EXPIRED' });
      end(stream);
    } else if (state.status === 'DISMISSED') end(stream);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const stream of streams) {
      const position = stream.presence.position();
      if (position !== undefined && now - stream.lastPositionAt >= timing.minPositionIntervalMs) sendPosition(stream, position, now);
      if (now - stream.lastWriteAt >= timing.heartbeatMs) {
        stream.res.write(': heartbeat\n\n');
        stream.lastWriteAt = now;
      }
    }
  }, timing.sweepMs);
  sweep.unref();

  router.get('/queue/tokens/me/events', async (req: Request, res: Response) => {
    const query = parseInput(TokenEventsQuery, req.query, 'VALIDATION.INVALID_QUERY');
    const token = req.get(HttpHeaders.QueueToken) ?? query.token;
    if (!isWellFormedQueueToken(token)) throw new AppError('QUEUE.TOKEN_INVALID', 'Missing or invalid queue token');
    const line = await deps.lineOf(token).catch((error: unknown) => {
      throw new AppError('QUEUE.UNAVAILABLE', 'The queue is temporarily unavailable; retry shortly', { cause: error, headers: { [HttpHeaders.RetryAfter]: '1' } });
    });
    if (!line) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    // In the room before the read, so that an admission published in between is not missed.
    const early: WaiterState[] = [];
    let stream: Stream | undefined;
    const presence = line.room.enter(token, (state) => (stream ? onState(stream, state) : early.push(state)));
    let view;
    try {
      view = await deps.lookup(token, Date.now(), { touch: true });
    } catch (error) {
      presence.leave();
      throw new AppError('QUEUE.UNAVAILABLE', 'The queue is temporarily unavailable; retry shortly', { cause: error, headers: { [HttpHeaders.RetryAfter]: '1' } });
    }
    if (!view || res.destroyed) {
      presence.leave();
      if (!view) throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
      return;
    }
    const lastId = Number(req.get('last-event-id'));
    stream = { res, line, presence, nextId: Number.isSafeInteger(lastId) && lastId >= 0 ? lastId + 1 : 1, lastPositionAt: 0, lastWriteAt: 0, admitted: false };
    const opened = stream;

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Reverse proxies must pass events on as they come.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: 2000\n\n`);
    streams.add(opened);
    res.once('close', () => end(opened));
    const now = Date.now();
    if (view.status === 'PRE_QUEUE') {
      // No place before the opening: say when it is, and have the EventSource come back then (its place
      // is drawn at the opening, so when in the next seconds it reconnects makes no difference).
      const opensAt = view.opensAt ?? now;
      res.write(`retry: ${Math.max(0, opensAt - now) + randomInt(REOPEN_SPREAD_MS)}\n\n`);
      const data: QueuePreQueueEvent = { status: 'PRE_QUEUE', opensAt: new Date(opensAt).toISOString(), estimatedWaitSeconds: secondsUntil(opensAt, now) };
      write(opened, 'prequeue', data);
      end(opened);
    } else if (view.status === 'ACTIVE') onState(opened, { status: 'ACTIVE', expiresAt: view.expiresAt ?? now });
    else {
      presence.know({ status: 'WAITING', position: view.position, admittedBefore: view.admittedBefore ?? 0 });
      sendPosition(opened, view.position, now, view.admissionRatePerSecond);
    }
    for (const state of early) if (streams.has(opened)) onState(opened, state);
  });

  return {
    router,
    close: () => {
      clearInterval(sweep);
      for (const stream of [...streams]) end(stream);
    },
  };
}
