import type { PaymentCompletedFailureKind, PaymentCompletedParseResult, PaymentCompletedV1 } from '@ticketing/contracts';

/** Where a message sits in the log; stored with the row so every event can be traced to its message. */
export interface LogPosition {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string Kafka clients use. */
  offset: string;
}

/**
 * One consumed message, already parsed. `M` is the raw message as the transport has it, kept only so a
 * poison message can be dead-lettered unchanged; the rules never look inside it.
 */
export interface Delivery<M> {
  message: M;
  position: LogPosition;
  correlationId: string | undefined;
  parsed: PaymentCompletedParseResult;
}

/** A delivery whose value is a valid PaymentCompleted. */
export type ValidDelivery<M> = Delivery<M> & { parsed: { ok: true; event: PaymentCompletedV1 } };

/** Why a message goes to the dead-letter topic: the contract refused it, or the database did. */
export type DeadLetterKind = PaymentCompletedFailureKind | 'rejected-by-store';

export interface DeadLetter<M> {
  message: M;
  position: LogPosition;
  correlationId: string | undefined;
  kind: DeadLetterKind;
  /** One readable line; it travels in the `dlq-reason` header. */
  reason: string;
}

/** What one idempotent write did: which eventIds were new, and which were already stored. */
export interface StoreOutcome {
  inserted: ReadonlySet<string>;
}

/** The stored events. Implementations must be idempotent by eventId: redelivery is normal. */
export interface EventStore {
  /**
   * Stores every event whose eventId is new and counts every other delivery as a duplicate, atomically.
   * Throws `StoreRejectedError` when the data itself is refused (retrying cannot help); any other error
   * means the store is unavailable and the same call should be retried later.
   */
  storeOnce(deliveries: readonly ValidDelivery<unknown>[]): Promise<StoreOutcome>;
}

/** Where messages the sink cannot store go, original bytes and all. */
export interface DeadLetterQueue<M> {
  /** Resolves once the broker acknowledged every letter; throws otherwise (nothing may be skipped). */
  send(letters: readonly DeadLetter<M>[]): Promise<void>;
}

/** The answer of `GET /events/stats`. */
export interface SinkStats {
  stored: number;
  duplicatesIgnored: number;
  /** When the sink last stored a new event; null before the first. */
  lastEventAt: Date | null;
}

export interface SinkStatsReader {
  stats(): Promise<SinkStats>;
}

/**
 * The database refused the values of a valid event (e.g. an amount beyond its column): the same write
 * would fail forever, so the event is dead-lettered instead of blocking its partition.
 */
export class StoreRejectedError extends Error {
  override readonly name = 'StoreRejectedError';
}
