import type { PrismaClient } from './generated/prisma/client';

/** One unpublished outbox row, as the relay hands it to the publisher. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Record<string, string>;
}

export interface OutboxLag {
  unpublished: number;
  /** Age of the oldest unpublished row, 0 when none waits. */
  oldestAgeSeconds: number;
}

type Row = Omit<OutboxRow, 'payload' | 'headers'> & { payload: unknown; headers: unknown };

// JSON columns come back parsed from Prisma queries but may arrive as text from raw ones.
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** TX for a batch: it stays open while Kafka acknowledges, which may take a few producer retries. */
const RELAY_TX = { maxWait: 15_000, timeout: 60_000 };

/** The transactional outbox's reading side. */
export class PrismaOutboxStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Locks up to `limit` unpublished rows, oldest first, skipping rows another relay instance holds;
   * hands them to `publish`; marks them published in the same transaction. If `publish` throws, nothing
   * is marked (the rows stay for the next try) and the failure is recorded on them.
   */
  async relayBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    let claimed: string[] = [];
    try {
      return await this.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<Row[]>`
          SELECT id, topic, key, payload, headers FROM outbox_events
           WHERE published_at IS NULL ORDER BY created_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        claimed = rows.map((r) => r.id);
        await publish(rows.map((r) => ({ ...r, payload: json(r.payload), headers: json(r.headers) as Record<string, string> })));
        await tx.$executeRaw`UPDATE outbox_events SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(${claimed}::uuid[])`;
        return rows.length;
      }, RELAY_TX);
    } catch (error) {
      if (claimed.length > 0) await this.recordFailure(claimed, error).catch(() => undefined);
      throw error;
    }
  }

  /** Unpublished rows and the age of the oldest: the relay's lag, for metrics and alerts. */
  async lag(): Promise<OutboxLag> {
    const [row] = await this.prisma.$queryRaw<{ unpublished: number; oldest: number | null }[]>`
      SELECT count(*)::int AS unpublished, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest
        FROM outbox_events WHERE published_at IS NULL`;
    return { unpublished: row?.unpublished ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest ?? 0) };
  }

  private async recordFailure(ids: string[], error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    await this.prisma.$executeRaw`UPDATE outbox_events SET attempts = attempts + 1, last_error = ${message} WHERE id = ANY(${ids}::uuid[])`;
  }
}
