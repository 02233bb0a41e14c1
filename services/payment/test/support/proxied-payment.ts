import { afterAll, beforeAll } from '@jest/globals';
import { PAYMENT_TOKEN as BOOKING_TOKEN, startBooking, type BookingFixture } from '@ticketing/booking/testing';
import { seatDealer } from './booking-helpers';
import { startBookingProxy, type BookingProxy } from './booking-proxy';
import { startPayment, type PaymentFixture } from './payment-fixture';

export interface ProxiedPayment {
  booking: BookingFixture;
  /** Between payment and booking: cut it to make booking unreachable mid-saga. */
  proxy: BookingProxy;
  payment: PaymentFixture;
  /** A fresh seat each call. */
  nextSeat: ReturnType<typeof seatDealer>;
  close: () => Promise<void>;
}

/**
 * Payment talking to a real booking through a TCP proxy the test can cut. A few test users hold many
 * seats each here: booking's per-user hold cap is not what these suites are about.
 */
export async function startProxiedPayment(options: { idempotencyWaitMs?: number } = {}): Promise<ProxiedPayment> {
  const booking = await startBooking({ holdLimit: 1_000 });
  const proxy = await startBookingProxy(booking.url);
  const payment = await startPayment({ bookingUrl: proxy.url, bookingToken: BOOKING_TOKEN, ...options });
  return {
    booking,
    proxy,
    payment,
    nextSeat: seatDealer(booking),
    close: async () => {
      await payment.close();
      await proxy.close();
      await booking.close();
    },
  };
}

/** startProxiedPayment() as a rig: up before the enclosing block's tests, down after them; its parts read inside tests and hooks. */
export function proxiedPaymentRig(options: { idempotencyWaitMs?: number } = {}): Omit<ProxiedPayment, 'close'> {
  let running: ProxiedPayment | undefined;
  beforeAll(async () => {
    running = await startProxiedPayment(options);
  }, 120_000);
  afterAll(() => running?.close());
  const part = <K extends keyof ProxiedPayment>(key: K): ProxiedPayment[K] => {
    if (!running) throw new Error(`proxiedPaymentRig().${key} is started in beforeAll: read it inside tests and hooks`);
    return running[key];
  };
  return {
    get booking() { return part('booking'); },
    get proxy() { return part('proxy'); },
    get payment() { return part('payment'); },
    nextSeat: () => part('nextSeat')(),
  };
}
