import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SinkStatsResponse } from '@ticketing/contracts';
import { createLogger, createMetricsRegistry, createPrismaClient, listen } from '@ticketing/service-kit';
import { buildApp } from '../src/app';
import { PrismaClient } from '../src/data-access/generated/prisma/client';
import { PrismaStoredEventRepository } from '../src/data-access/stored-event.repository';
import { aDelivery, anEvent, recordingProgress } from './support/kafka-helpers';
import { startSink, type SinkFixture } from './support/sink-fixture';

/*
 * The stats through HTTP on a schema of their own, fed through the sink's rules directly (no consumer
 * runs, so nothing from the shared topic mixes in and every count is exact).
 */
describe('GET /events/stats', () => {
  let sink: SinkFixture;
  beforeEach(async () => {
    sink = await startSink({ label: 'stats' });
  }, 60_000);
  afterEach(() => sink.close());

  it('when nothing was stored yet, then zero counts and lastEventAt null', async () => {
    const stats = await sink.stats();

    expect(stats).toEqual({ stored: 0, duplicatesIgnored: 0, lastEventAt: null });
  });

  it('when two events were stored and delivered again, then stored 2, duplicatesIgnored 2, and a restarted app reads the same', async () => {
    const [a, b] = [anEvent(), anEvent()];
    const progress = recordingProgress();

    await sink.sink.handle([aDelivery(a, 10), aDelivery(b, 11), aDelivery(a, 12)], progress);
    await sink.sink.handle([aDelivery(b, 13)], progress);
    const stats = await sink.stats();

    const rows = await sink.prisma.storedEvent.findMany({ orderBy: { receivedAt: 'desc' } });
    expect(stats).toEqual({ stored: 2, duplicatesIgnored: 2, lastEventAt: rows[0]!.receivedAt.toISOString() });
    expect(rows.map((row) => [row.eventId, row.duplicateDeliveries]).sort()).toEqual([[a.eventId, 1], [b.eventId, 1]].sort());
    expect(progress.doneOffsets).toEqual(['12', '13']);
    expect(await sink.counter('sink_events_stored_total')).toBe(2);
    expect(await sink.counter('sink_duplicates_ignored_total')).toBe(2);
    // A restart is a new process: a new client and app on the same schema, no memory of the old one.
    const prisma = createPrismaClient(PrismaClient, { databaseUrl: sink.schema.databaseUrl, schema: sink.schema.schema });
    const app = buildApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics: createMetricsRegistry('dataplatform-sink'), readiness: [], stats: new PrismaStoredEventRepository(prisma) });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const restarted = SinkStatsResponse.parse(await (await fetch(`${server.url}/events/stats`)).json());
      expect(restarted).toEqual(stats);
    } finally {
      await server.close();
      await prisma.$disconnect();
    }
  });
});
