import { CreatePaymentRequest, HttpHeaders, IdempotencyKey } from '@ticketing/contracts';
import { callerUserId, parseInput, type InternalApiRoute } from '@ticketing/service-kit';
import type { PaymentService } from '../../domain/payment.service';

const IDEMPOTENCY_KEY = HttpHeaders.IdempotencyKey.toLowerCase();
const REPLAY_ONLY = HttpHeaders.ReplayOnly.toLowerCase();

/** `POST /payments { reservationId }` with an optional `Idempotency-Key` (scoped to the caller); `X-Replay-Only` allows only a replay. */
export function paymentRoutes(payments: PaymentService): InternalApiRoute[] {
  const pay: InternalApiRoute['handle'] = async (req, caller) => {
    const userId = callerUserId(caller);
    const { reservationId } = parseInput(CreatePaymentRequest, req.body);
    const rawKey = req.headers[IDEMPOTENCY_KEY];
    const idempotencyKey = rawKey === undefined ? undefined : parseInput(IdempotencyKey, rawKey, 'VALIDATION.INVALID_HEADER');
    // Set by the gateway alone (it drops client copies), for a token that paying has ended.
    const replayOnly = req.headers[REPLAY_ONLY] === 'true';
    const { concertId } = caller;
    return {
      status: 201,
      body: await payments.pay({ userId, reservationId, replayOnly, ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...(concertId === undefined ? {} : { concertId }) }),
    };
  };
  return [{ method: 'POST', path: '/payments', handle: pay }];
}
