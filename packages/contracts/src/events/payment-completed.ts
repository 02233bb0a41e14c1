import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { oneLine } from '../internal/one-line';
import { IsoDateTime, MoneyAmount, SeatNo, UserId, Uuid } from '../primitives';
import { formatZodIssues } from '../validation';
import { KafkaHeaders } from './topics';

/** The `type` field of the event. */
export const PAYMENT_COMPLETED_TYPE = 'PaymentCompleted';
/** The schema version this package reads and writes. A new shape gets a new version, never an edit. */
export const PAYMENT_COMPLETED_VERSION = 1;

/** DLQ reasons go into Kafka headers and logs: keep them short. */
const MAX_REASON_LENGTH = 500;

/**
 * PaymentCompleted, version 1, exactly as API.md lists it: published on `payment.completed` by payment,
 * consumed by dataplatform-sink (stores each `eventId` once) and queue-gateway (expires the user's token).
 * Strict: an unknown field means a producer and this contract disagree, which we want to see, not hide.
 */
export const PaymentCompletedV1 = z.strictObject({
  /** Unique per event; consumers deduplicate on it (redelivery is normal, applying twice is not). */
  eventId: Uuid,
  type: z.literal(PAYMENT_COMPLETED_TYPE),
  version: z.literal(PAYMENT_COMPLETED_VERSION),
  /** When the payment completed (not when the event was sent: the outbox may send it later). */
  occurredAt: IsoDateTime,
  paymentId: Uuid,
  reservationId: Uuid,
  userId: UserId,
  concertId: Uuid,
  scheduleId: Uuid,
  seatNo: SeatNo,
  amount: MoneyAmount,
});
export type PaymentCompletedV1 = z.infer<typeof PaymentCompletedV1>;

/** What a producer supplies; the envelope fields are filled by `newPaymentCompleted`. */
export type PaymentCompletedFields = Omit<PaymentCompletedV1, 'eventId' | 'type' | 'version' | 'occurredAt'> & {
  /** Pass one to make the id deterministic (e.g. the outbox row id); a random UUID otherwise. */
  eventId?: string;
};

/** Why a message could not be read; lets a consumer count failures by kind without parsing `reason`. */
export type PaymentCompletedFailureKind = 'empty' | 'malformed-json' | 'unsupported-version' | 'invalid-event';

/** `parsePaymentCompleted`'s answer: the typed event, or a one-line reason fit for a DLQ header. */
export type PaymentCompletedParseResult =
  | { ok: true; event: PaymentCompletedV1 }
  | { ok: false; kind: PaymentCompletedFailureKind; reason: string };

function fail(kind: PaymentCompletedFailureKind, reason: string): PaymentCompletedParseResult {
  return { ok: false, kind, reason: oneLine(reason, MAX_REASON_LENGTH) };
}

// fatal: invalid UTF-8 is reported as such instead of turning into U+FFFD and failing later, obscurely.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a Kafka message value (Buffer, bytes or string) as a PaymentCompletedV1. Never throws: a poison
 * message must become a DLQ entry with a reason, not a crashed consumer stuck on the same offset.
 */
export function parsePaymentCompleted(value: Uint8Array | string | null | undefined): PaymentCompletedParseResult {
  if (value === null || value === undefined) return fail('empty', 'message has no value');
  let text: string;
  try {
    text = typeof value === 'string' ? value : utf8.decode(value);
  } catch {
    return fail('malformed-json', 'message value is not valid UTF-8');
  }
  if (text.trim() === '') return fail('empty', 'message value is empty');

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail('malformed-json', `malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }

  // A known type with another version is a deployment-order problem, not garbage: say so plainly.
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const { type, version } = json as { type?: unknown; version?: unknown };
    if (type === PAYMENT_COMPLETED_TYPE && version !== PAYMENT_COMPLETED_VERSION) {
      return fail(
        'unsupported-version',
        `unsupported ${PAYMENT_COMPLETED_TYPE} version ${JSON.stringify(version) ?? 'undefined'} (expected ${PAYMENT_COMPLETED_VERSION})`,
      );
    }
  }

  const result = PaymentCompletedV1.safeParse(json);
  if (!result.success) return fail('invalid-event', `invalid ${PAYMENT_COMPLETED_TYPE} event: ${formatZodIssues(result.error)}`);
  return { ok: true, event: result.data };
}

/** Validates first, so a producer bug throws at the producer instead of poisoning every consumer. */
function validated(event: unknown): PaymentCompletedV1 {
  const result = PaymentCompletedV1.safeParse(event);
  if (!result.success) {
    throw new Error(`invalid ${PAYMENT_COMPLETED_TYPE} event: ${formatZodIssues(result.error)}`, { cause: result.error });
  }
  return result.data;
}

/**
 * The JSON a producer puts in the message value. Throws (an `Error` whose `cause` is the ZodError) if
 * the event does not match the schema.
 */
export function serializePaymentCompleted(event: PaymentCompletedV1): string {
  return JSON.stringify(validated(event));
}

/**
 * Builds a complete, validated event from the payment's facts: fills `eventId` (random unless given),
 * `type`, `version` and `occurredAt` (`now`, default the current time). Throws like
 * `serializePaymentCompleted` on invalid fields.
 */
export function newPaymentCompleted(fields: PaymentCompletedFields, now: Date = new Date()): PaymentCompletedV1 {
  const { eventId, ...facts } = fields;
  return validated({
    ...facts,
    eventId: eventId ?? randomUUID(),
    type: PAYMENT_COMPLETED_TYPE,
    version: PAYMENT_COMPLETED_VERSION,
    occurredAt: now.toISOString(),
  });
}

/** A Kafka message in the shape kafkajs `send()` takes, with plain-string key, value and headers. */
export interface PaymentCompletedMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * The message to publish for an event: key = `reservationId` (API.md: one reservation's events stay in
 * one partition, in order), the validated JSON value, and the type/version/correlation headers.
 */
export function toPaymentCompletedMessage(
  event: PaymentCompletedV1,
  options: { correlationId?: string } = {},
): PaymentCompletedMessage {
  const headers: Record<string, string> = {
    [KafkaHeaders.EventType]: PAYMENT_COMPLETED_TYPE,
    [KafkaHeaders.EventVersion]: String(PAYMENT_COMPLETED_VERSION),
  };
  if (options.correlationId) headers[KafkaHeaders.CorrelationId] = options.correlationId;
  return { key: event.reservationId, value: serializePaymentCompleted(event), headers };
}
