/*
 * `@ticketing/booking/testing`: what other workspaces' tests may borrow from booking (its real app on a
 * throwaway schema, and a catalogue seeder), instead of reaching into its folders.
 */
export { INTERNAL_TOKEN, PAYMENT_TOKEN, seedCatalogue, startBooking, type BookingFixture } from './booking-fixture';
