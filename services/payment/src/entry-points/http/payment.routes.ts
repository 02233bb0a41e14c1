import express, { type Router } from 'express';
import { CreatePaymentRequest, HttpHeaders, IdempotencyKey } from '@ticketing/contracts';
import { callerUserId, parseInput } from '@ticketing/service-kit';
import type { PaymentService } from '../../domain/payment.service';

/** `POST /payments { reservationId }` with an optional `Idempotency-Key` (scoped to the caller). */
export function paymentRoutes(payments: PaymentService): Router {
  const router = express.Router();

  router.post('/payments', async (req, res) => {
    const userId = callerUserId(res);
    const { reservationId } = parseInput(CreatePaymentRequest, req.body);
    const rawKey = req.get(HttpHeaders.IdempotencyKey);
    const idempotencyKey = rawKey === undefined ? undefined : parseInput(IdempotencyKey, rawKey, 'VALIDATION.INVALID_HEADER');
    res.status(201).json(await payments.pay({ userId, reservationId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }));
  });

  return router;
}
