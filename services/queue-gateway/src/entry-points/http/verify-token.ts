import type { IncomingHttpHeaders } from 'node:http';
import { HttpHeaders } from '@ticketing/contracts';
import { AppError } from '@ticketing/service-kit';
import type { LookupResult } from '../../data-access/fallback/token-lookup';
import { isWellFormedQueueToken, type LookupOptions } from '../../domain/queue-token';

export interface VerifyTokenDependencies {
  /** The breaker-wrapped lookup (`createTokenLookup(…).lookup`). */
  lookup: (token: string, now: number, options: LookupOptions) => Promise<LookupResult>;
  /**
   * The user a token was issued to, also after it ended (the Postgres copy keeps ended tokens for an
   * hour): lets a payment be asked for again with its Idempotency-Key once paying has ended the token.
   */
  formerOwner?: (token: string) => Promise<string | undefined>;
  /** The clock; tests may pin it. */
  now?: () => number;
}

/** Who is calling a protected route: the verified token's user (the only user id the gateway ever forwards) and the token. */
export interface VerifiedCaller {
  userId: string;
  token: string;
  /** The token has ended: the call may only fetch the first answer of an earlier request (a payment replay). */
  replayOnly?: true;
}

/** `replay`: the call may be the replay of an earlier one (`POST /payments` with an Idempotency-Key). */
export type VerifyQueueToken = (headers: IncomingHttpHeaders, options?: { replay?: boolean }) => Promise<VerifiedCaller>;

const QUEUE_TOKEN = HttpHeaders.QueueToken.toLowerCase();

/** The caller's `X-Queue-Token`, or 401 before any Redis (or Postgres) call when it is missing or could not be one of ours. */
export function queueTokenOf(headers: IncomingHttpHeaders): string {
  const token = headers[QUEUE_TOKEN];
  if (typeof token !== 'string' || !isWellFormedQueueToken(token)) throw new AppError('QUEUE.TOKEN_INVALID', 'Missing or invalid queue token');
  return token;
}

/**
 * Guards a protected route (API.md): `X-Queue-Token` must name an ACTIVE token. Missing, malformed,
 * unknown or expired → 401 QUEUE.TOKEN_INVALID; still waiting → 403 QUEUE.TOKEN_NOT_ACTIVE; neither
 * Redis nor the Postgres copy answering → 503 QUEUE.UNAVAILABLE. An ended token may still ask for
 * the first answer of a payment (`replay`), as its former owner and for nothing else.
 */
export function verifyQueueToken(deps: VerifyTokenDependencies): VerifyQueueToken {
  const now = deps.now ?? Date.now;
  return async (headers, options) => {
    const token = queueTokenOf(headers);
    // Protected calls do not count as a waiting user's poll: only the status route refreshes a place.
    const { view } = await deps.lookup(token, now(), { touch: false }).catch((error: unknown) => {
      throw new AppError('QUEUE.UNAVAILABLE', 'Queue tokens cannot be checked right now; retry shortly', {
        cause: error,
        headers: { [HttpHeaders.RetryAfter]: '1' },
      });
    });
    if (!view) {
      const formerOwner = options?.replay && deps.formerOwner ? await deps.formerOwner(token).catch(() => undefined) : undefined;
      if (formerOwner !== undefined) return { userId: formerOwner, token, replayOnly: true };
      throw new AppError('QUEUE.TOKEN_INVALID', 'Unknown or expired queue token');
    }
    if (view.status !== 'ACTIVE') throw new AppError('QUEUE.TOKEN_NOT_ACTIVE', 'The queue token is still waiting in line');
    return { userId: view.userId, token };
  };
}
