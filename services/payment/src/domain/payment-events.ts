/** What the money rules report (for metrics), without knowing about Prometheus. */
export interface PaymentEvents {
  charged(outcome: 'charged' | 'rejected' | 'conflict'): void;
  /** One `POST /payments` answer: `completed`, `replayed`, or the error code it ended with. */
  paid(outcome: string): void;
  /** An optimistic write found a stale version and is about to try again. */
  lockRetried(operation: 'charge' | 'payment'): void;
  /** A PENDING payment the recovery job picked up, by how it ended. */
  recovered(outcome: 'completed' | 'refunded' | 'pending'): void;
}
