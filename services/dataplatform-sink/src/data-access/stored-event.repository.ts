import { postgresErrorCode } from '@ticketing/service-kit';
import type { PrismaClient } from './generated/prisma/client';
import { StoreRejectedError, type EventStore, type SinkStats, type SinkStatsReader, type StoreOutcome, type ValidDelivery } from '../domain/stored-event';

/** SQLSTATE class 22, data exception: the values are refused (out of range, bad date), not the connection. */
const DATA_EXCEPTION_CLASS = '22';
const MAX_REASON_LENGTH = 300;

/** stored_events in the sink's schema: one row per eventId, repeats counted on the row. */
export class PrismaStoredEventRepository implements EventStore, SinkStatsReader {
  constructor(private readonly prisma: PrismaClient) {}

  async storeOnce(deliveries: readonly ValidDelivery<unknown>[]): Promise<StoreOutcome> {
    // One JSON parameter however many events: one round trip, one statement, so the rows and their
    // duplicate counts commit together or not at all.
    const rows = JSON.stringify(deliveries.map(({ parsed, position }) => ({ event: parsed.event, ...position })));
    try {
      const result = await this.prisma.$queryRaw<{ event_id: string; inserted: boolean }[]>`
        WITH incoming AS (
          SELECT r->'event' AS event, r->>'topic' AS topic, (r->>'partition')::int AS partition, r->>'offset' AS "offset", ord
            FROM jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS t(r, ord)
        ), deduplicated AS (
          -- DO UPDATE may touch a row once per statement: keep each eventId's first delivery and count
          -- the others. Sorted by eventId so concurrent writers lock rows in one order (no deadlock).
          SELECT DISTINCT ON (event->>'eventId') event, topic, partition, "offset",
                 count(*) OVER (PARTITION BY event->>'eventId') - 1 AS repeats
            FROM incoming ORDER BY event->>'eventId', ord
        )
        INSERT INTO stored_events (event_id, type, version, payment_id, reservation_id, user_id, amount, occurred_at,
                                   payload, topic, partition, "offset", duplicate_deliveries)
        SELECT (event->>'eventId')::uuid, event->>'type', (event->>'version')::int, (event->>'paymentId')::uuid,
               (event->>'reservationId')::uuid, event->>'userId', (event->>'amount')::int, (event->>'occurredAt')::timestamptz,
               event, topic, partition, "offset", repeats
          FROM deduplicated
        ON CONFLICT (event_id) DO UPDATE
          SET duplicate_deliveries = stored_events.duplicate_deliveries + EXCLUDED.duplicate_deliveries + 1
        -- xmax is 0 only on a row this statement inserted; an updated (already stored) row carries a lock.
        RETURNING event_id::text AS event_id, (xmax = 0) AS inserted`;
      return { inserted: new Set(result.filter((row) => row.inserted).map((row) => row.event_id)) };
    } catch (error) {
      if (postgresErrorCode(error)?.startsWith(DATA_EXCEPTION_CLASS)) throw new StoreRejectedError(reasonOf(error), { cause: error });
      throw error;
    }
  }

  async stats(): Promise<SinkStats> {
    const [row] = await this.prisma.$queryRaw<{ stored: bigint; duplicates: bigint; last_event_at: Date | null }[]>`
      SELECT count(*) AS stored, coalesce(sum(duplicate_deliveries), 0)::int8 AS duplicates, max(received_at) AS last_event_at
        FROM stored_events`;
    return { stored: Number(row?.stored ?? 0), duplicatesIgnored: Number(row?.duplicates ?? 0), lastEventAt: row?.last_event_at ?? null };
  }
}

/** Postgres's own words (e.g. `value "3000000000" is out of range for type integer`), short and on one line. */
function reasonOf(error: unknown): string {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalMessage?: unknown } } } } | null)?.meta;
  const original = meta?.driverAdapterError?.cause?.originalMessage;
  const text = (typeof original === 'string' ? original : error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
