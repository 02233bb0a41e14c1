import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KafkaHeaders, Topics } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import { aDelivery, anEvent, header, readDeadLetters, recordingProgress } from './support/kafka-helpers';
import { startSink, type SinkFixture } from './support/sink-fixture';

/*
 * The sink's rules on real Postgres and the real dead-letter topic, driven directly with a batch of
 * deliveries, so the batch's composition is exactly what the test says.
 */
describe('EventSinkService.handle', () => {
  let sink: SinkFixture;
  let reader: Awaited<ReturnType<typeof readDeadLetters>>;
  beforeAll(async () => {
    sink = await startSink({ label: 'rules' });
    reader = await readDeadLetters(sink.kafka, sink.admin, Topics.PaymentCompletedDlq, sink.groupId);
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await sink?.close();
  });

  it('when the store refuses one event of a run, then the others are stored, it alone is dead-lettered, and progress reaches the end', async () => {
    const [before, refused, after] = [anEvent(), anEvent({ amount: 3_000_000_000 }), anEvent()];
    const progress = recordingProgress();

    await sink.sink.handle([aDelivery(before, 1), aDelivery(refused, 2), aDelivery(after, 3)], progress);

    const stored = await sink.prisma.storedEvent.findMany({ select: { eventId: true } });
    expect(stored.map((row) => row.eventId).sort()).toEqual([before.eventId, after.eventId].sort());
    const [letter] = await waitFor('the refused event dead-lettered', async () => (reader.letters.length ? reader.letters : undefined));
    expect(letter!.value?.toString()).toBe(JSON.stringify(refused));
    expect(header(letter!, KafkaHeaders.DlqReason)).toMatch(/store refused the event: value "3000000000" is out of range/);
    expect(header(letter!, KafkaHeaders.DlqOriginalOffset)).toBe('2');
    expect(progress.doneOffsets).toEqual(['3']);
  });

  it('when poison and valid messages interleave, then each valid one is stored and each poison one dead-lettered, in log order', async () => {
    const [a, b] = [anEvent(), anEvent()];
    const progress = recordingProgress();
    const lettersBefore = reader.letters.length;

    await sink.sink.handle([aDelivery(undefined, 20, 'not json'), aDelivery(a, 21), aDelivery(undefined, 22, '{}'), aDelivery(b, 23)], progress);

    expect(await sink.prisma.storedEvent.count({ where: { eventId: { in: [a.eventId, b.eventId] } } })).toBe(2);
    const letters = await waitFor('two dead letters', async () => (reader.letters.length >= lettersBefore + 2 ? reader.letters.slice(lettersBefore) : undefined));
    expect(letters.map((letter) => header(letter, KafkaHeaders.DlqOriginalOffset))).toEqual(['20', '22']);
    expect(progress.doneOffsets).toEqual(['20', '21', '22', '23']);
  });
});
