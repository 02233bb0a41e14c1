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
