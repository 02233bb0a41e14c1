import type { IHeaders } from 'kafkajs';
import { KafkaHeaders } from '@ticketing/contracts';
import { currentCorrelationId } from '../../logger/request-context';

/** Kafka headers carrying the current correlation id, so a consumer's logs join the producer's request. */
export function correlationHeaders(): IHeaders {
  const correlationId = currentCorrelationId();
  return correlationId ? { [KafkaHeaders.CorrelationId]: correlationId } : {};
}

/** The correlation id a message carries, if any. */
export function correlationIdFrom(headers: IHeaders | undefined): string | undefined {
  const value = headers?.[KafkaHeaders.CorrelationId];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
