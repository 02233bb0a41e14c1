import type { Registry } from '@ticketing/service-kit';
import { PrismaBalanceStore } from './data-access/balance.repository';
import { HttpBookingClient } from './data-access/booking.client';
import type { PrismaClient } from './data-access/generated/prisma/client';
import { PrismaOutboxStore } from './data-access/outbox.repository';
import { createPaymentMetrics, paymentEvents } from './data-access/payment.metrics';
import { PrismaPaymentStore } from './data-access/payment.repository';
import { BalanceService } from './domain/balance.service';
import { KeyedSerializer } from './domain/keyed-serializer';
import type { RetryPolicy } from './domain/optimistic-retry';
import { PaymentService } from './domain/payment.service';
import { PaymentSettlement } from './domain/payment-settlement';

export interface WiringOptions {
  prisma: PrismaClient;
  registry: Registry;
  bookingUrl: string;
  /** Payment's own credential (PAYMENT_INTERNAL_TOKEN), presented to booking's /internal routes. */
  bookingCredential: string;
  bookingTimeoutMs: number;
  retry: RetryPolicy;
  idempotencyWaitMs: number;
}

/** Builds payment's object graph once, for main.ts and for the tests, so both run the same wiring. */
export function wirePayment(options: WiringOptions) {
  const { prisma, retry } = options;
  const outbox = new PrismaOutboxStore(prisma);
  const metrics = createPaymentMetrics(options.registry, outbox);
  const events = paymentEvents(metrics);
  const paymentStore = new PrismaPaymentStore(prisma);
  const balanceStore = new PrismaBalanceStore(prisma);
  const booking = new HttpBookingClient(options.bookingUrl, options.bookingCredential, options.bookingTimeoutMs);
  const settlement = new PaymentSettlement(paymentStore, booking);
  const balanceWrites = new KeyedSerializer();
  return {
    /** Closes what the wiring opened itself (booking's connection pool). */
    close: () => booking.close(),
    outbox,
    metrics,
    events,
    paymentStore,
    settlement,
    balances: new BalanceService(balanceStore, retry, events, balanceWrites),
    payments: new PaymentService({ payments: paymentStore, balances: balanceStore, booking, settlement, retry, balanceWrites, events, idempotencyWaitMs: options.idempotencyWaitMs }),
  };
}

export type PaymentWiring = ReturnType<typeof wirePayment>;
