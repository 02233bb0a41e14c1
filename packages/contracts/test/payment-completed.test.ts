import { randomUUID } from 'node:crypto';
import {
  KafkaHeaders,
  PaymentCompletedV1,
  newPaymentCompleted,
  parsePaymentCompleted,
  serializePaymentCompleted,
  toPaymentCompletedMessage,
  type PaymentCompletedFields,
} from '../src';

const fields = (): PaymentCompletedFields => ({
  paymentId: randomUUID(),
  reservationId: randomUUID(),
  userId: 'user_42',
  concertId: randomUUID(),
  scheduleId: randomUUID(),
  seatNo: 7,
  amount: 110_000,
});

const event = () => newPaymentCompleted(fields(), new Date('2030-01-01T12:00:00.000Z'));

describe('newPaymentCompleted', () => {
  it('when given the payment facts, then it fills type, version, occurredAt and a random eventId', () => {
    const facts = fields();
    const built = newPaymentCompleted(facts, new Date('2030-01-01T12:00:00.000Z'));
    expect(built).toEqual({ ...facts, eventId: expect.any(String), type: 'PaymentCompleted', version: 1, occurredAt: '2030-01-01T12:00:00.000Z' });
    expect(PaymentCompletedV1.safeParse(built).success).toBe(true);
    expect(newPaymentCompleted(facts).eventId).not.toBe(built.eventId);
  });

  it('when given an eventId (e.g. the outbox row id), then it keeps it', () => {
    const eventId = randomUUID();
    expect(newPaymentCompleted({ ...fields(), eventId }).eventId).toBe(eventId);
  });

  it('when a fact is invalid, then it throws a readable error naming the field', () => {
    expect(() => newPaymentCompleted({ ...fields(), amount: 0 })).toThrow(/amount/);
  });
});

describe('serializePaymentCompleted and parsePaymentCompleted', () => {
  it('when an event is serialized and parsed back from a Buffer, then it is the same event', () => {
    const original = event();
    const result = parsePaymentCompleted(Buffer.from(serializePaymentCompleted(original)));
    expect(result).toEqual({ ok: true, event: original });
  });

  it('when parsed from a string, then it is the same event', () => {
    const original = event();
    expect(parsePaymentCompleted(serializePaymentCompleted(original))).toEqual({ ok: true, event: original });
  });

  it('when the event has an extra field, then serialize throws instead of publishing it', () => {
    const bad = { ...event(), extra: 1 } as PaymentCompletedV1;
    expect(() => serializePaymentCompleted(bad)).toThrow(/Unrecognized key/);
  });

  it('when the event has a bad field, then the thrown error carries the ZodError as cause', () => {
    const bad = { ...event(), seatNo: 0 };
    let thrown: unknown;
    try {
      serializePaymentCompleted(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).cause).toBeDefined();
  });
});

describe('parsePaymentCompleted failures', () => {
  const json = (value: unknown) => JSON.stringify(value);

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty string', ''],
    ['an empty Buffer', Buffer.alloc(0)],
  ])('when the message value is %s, then it is ok:false with kind empty', (_label, value) => {
    const result = parsePaymentCompleted(value);
    expect(result).toMatchObject({ ok: false, kind: 'empty' });
  });

  it.each([['{not json'], ['{"eventId":'], ['PaymentCompleted']])('when the value is malformed JSON %p, then it is ok:false with a reason', (value) => {
    const result = parsePaymentCompleted(Buffer.from(value));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe('malformed-json');
      expect(result.reason).toMatch(/^malformed JSON: /);
    }
  });

  it('when the bytes are not valid UTF-8, then it is ok:false, not a garbled parse', () => {
    expect(parsePaymentCompleted(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({ ok: false, kind: 'malformed-json', reason: 'message value is not valid UTF-8' });
  });

  it.each([[2], [0], ['1'], [null]])('when version is %p, then it is ok:false with kind unsupported-version', (version) => {
    const result = parsePaymentCompleted(json({ ...event(), version }));
    expect(result).toMatchObject({ ok: false, kind: 'unsupported-version' });
    if (!result.ok) expect(result.reason).toContain('expected 1');
  });

  it('when version is missing, then it is ok:false naming the missing version', () => {
    const { version: _dropped, ...rest } = event();
    expect(parsePaymentCompleted(json(rest))).toMatchObject({ ok: false, kind: 'unsupported-version', reason: 'unsupported PaymentCompleted version undefined (expected 1)' });
  });

  it.each([
    ['another type', (e: PaymentCompletedV1) => ({ ...e, type: 'PaymentRefunded' }), 'type'],
    ['a non-UUID eventId', (e: PaymentCompletedV1) => ({ ...e, eventId: 'evt-1' }), 'eventId'],
    ['a non-ISO occurredAt', (e: PaymentCompletedV1) => ({ ...e, occurredAt: 'now' }), 'occurredAt'],
    ['a fractional amount', (e: PaymentCompletedV1) => ({ ...e, amount: 1.5 }), 'amount'],
    ['a string amount', (e: PaymentCompletedV1) => ({ ...e, amount: '100' }), 'amount'],
    ['amount 0', (e: PaymentCompletedV1) => ({ ...e, amount: 0 }), 'amount'],
    ['seatNo 0', (e: PaymentCompletedV1) => ({ ...e, seatNo: 0 }), 'seatNo'],
    ['a bad userId', (e: PaymentCompletedV1) => ({ ...e, userId: 'a b' }), 'userId'],
    ['a missing concertId', (e: PaymentCompletedV1) => ({ ...e, concertId: undefined }), 'concertId'],
    ['an extra field', (e: PaymentCompletedV1) => ({ ...e, correlationId: 'x' }), 'correlationId'],
  ])('when the event has %s, then it is ok:false with a reason naming %s', (_label, mutate, field) => {
    const result = parsePaymentCompleted(json(mutate(event())));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.kind).toBe('invalid-event');
      expect(result.reason).toContain(field);
    }
  });

  it.each([['an array', '[1,2]'], ['a number', '42'], ['a JSON null', 'null']])('when the JSON is %s, then it is ok:false with kind invalid-event', (_label, value) => {
    expect(parsePaymentCompleted(value)).toMatchObject({ ok: false, kind: 'invalid-event' });
  });

  it('when the reason would be long or multi-line, then it is one line of at most 500 characters', () => {
    const result = parsePaymentCompleted(`{"a":\n${'x'.repeat(5_000)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).not.toMatch(/[\r\n]/);
      expect(result.reason.length).toBeLessThanOrEqual(500);
    }
  });
});

describe('toPaymentCompletedMessage', () => {
  it('when building the Kafka message, then key is reservationId and headers carry type, version and correlation id', () => {
    const e = event();
    const message = toPaymentCompletedMessage(e, { correlationId: 'req-1' });
    expect(message.key).toBe(e.reservationId);
    expect(JSON.parse(message.value)).toEqual(e);
    expect(message.headers).toEqual({
      [KafkaHeaders.EventType]: 'PaymentCompleted',
      [KafkaHeaders.EventVersion]: '1',
      [KafkaHeaders.CorrelationId]: 'req-1',
    });
  });

  it('when no correlation id is known, then the header is left out rather than empty', () => {
    expect(toPaymentCompletedMessage(event()).headers).not.toHaveProperty(KafkaHeaders.CorrelationId);
  });
});
