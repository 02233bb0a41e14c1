import { z } from 'zod';
import { MAX_CHARGE_AMOUNT, MoneyAmount, NonNegativeInt, Uuid } from '../primitives';

/*
 * Payment routes (reached through the gateway): balance, charge, pay. Strict objects throughout, for
 * the reasons given in booking.ts. Money is whole units in safe integers, never floats.
 */

/** `GET /balance` and `POST /balance/charge` answer. */
export const BalanceResponse = z.strictObject({ balance: NonNegativeInt });
export type BalanceResponse = z.infer<typeof BalanceResponse>;

/**
 * `POST /balance/charge` body: a positive integer up to MAX_CHARGE_AMOUNT. `"10"`, `1.5`, `0`, `-1`
 * and `MAX_CHARGE_AMOUNT + 1` are all a 400.
 */
export const ChargeRequest = z.strictObject({
  amount: z.int().min(1).max(MAX_CHARGE_AMOUNT, { error: `must be at most ${MAX_CHARGE_AMOUNT}` }),
});
export type ChargeRequest = z.infer<typeof ChargeRequest>;

/** `POST /payments` body; the amount is the reservation's price, never chosen by the client. */
export const CreatePaymentRequest = z.strictObject({ reservationId: Uuid });
export type CreatePaymentRequest = z.infer<typeof CreatePaymentRequest>;

/** Payments are recorded only once they succeed, so an answer is always COMPLETED. */
export const PaymentStatus = z.literal('COMPLETED');
export type PaymentStatus = z.infer<typeof PaymentStatus>;

/** `POST /payments` answer (`201`, and the same body again for a repeated `Idempotency-Key`). */
export const PaymentResponse = z.strictObject({
  paymentId: Uuid,
  reservationId: Uuid,
  amount: MoneyAmount,
  status: PaymentStatus,
});
export type PaymentResponse = z.infer<typeof PaymentResponse>;
