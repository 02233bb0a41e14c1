import { randomUUID } from 'node:crypto';
import {
  ConcertIdParams,
  ConcertListResponse,
  CreateReservationRequest,
  CreateReservationResponse,
  MAX_SEAT_NO,
  Reservation,
  ReservationIdParams,
  ScheduleIdParams,
  ScheduleListResponse,
  SeatListQuery,
  SeatListResponse,
  SeatNoParam,
  SeatParams,
} from '../src';

const uuid = '3f1c2b4e-8d9a-4f6b-9c2d-1e0a7b5c4d3e';

describe('path params with UUIDs', () => {
  it.each([
    ['a random v4 UUID', randomUUID()],
    ['an upper-case UUID', uuid.toUpperCase()],
    ['a v7 UUID', '01890a5d-ac96-774b-bcce-b302099a8057'],
  ])('when concertId is %s, then it parses', (_label, concertId) => {
    expect(ConcertIdParams.parse({ concertId })).toEqual({ concertId });
  });

  it.each([
    ['not a UUID', 'concert-1'],
    ['missing its dashes', uuid.replaceAll('-', '')],
    ['wrapped in braces', `{${uuid}}`],
    ['one hex digit short', uuid.slice(0, -1)],
    ['containing a non-hex letter', `${uuid.slice(0, -1)}g`],
    ['of version 0 / wrong variant', '11111111-1111-1111-1111-111111111111'],
    ['empty', ''],
  ])('when the id is %s, then every id param schema rejects it', (_label, id) => {
    expect(ConcertIdParams.safeParse({ concertId: id }).success).toBe(false);
    expect(ScheduleIdParams.safeParse({ scheduleId: id }).success).toBe(false);
    expect(ReservationIdParams.safeParse({ reservationId: id }).success).toBe(false);
  });

  it('when params carry an unexpected key, then they are rejected', () => {
    expect(ScheduleIdParams.safeParse({ scheduleId: uuid, other: 'x' }).success).toBe(false);
  });
});

describe('SeatNoParam', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    [String(MAX_SEAT_NO), MAX_SEAT_NO],
  ])('when the text is %p, then it parses to %p', (text, value) => {
    expect(SeatNoParam.parse(text)).toBe(value);
  });

  it.each([['0'], ['01'], ['1e3'], ['+1'], ['-1'], ['1.0'], [' 1'], ['1 '], ['0x10'], [''], ['abc'], [String(MAX_SEAT_NO + 1)], ['99999999999999999999']])(
    'when the text is %p, then it is rejected',
    (text) => {
      expect(SeatNoParam.safeParse(text).success).toBe(false);
    },
  );

  it('when a number (not text) is given, then it is rejected (params are always strings)', () => {
    expect(SeatNoParam.safeParse(5).success).toBe(false);
  });

  it('when used in SeatParams, then seatNo comes out as a number', () => {
    expect(SeatParams.parse({ scheduleId: uuid, seatNo: '7' })).toEqual({ scheduleId: uuid, seatNo: 7 });
  });
});

describe('SeatListQuery', () => {
  it.each([[{}], [{ status: 'AVAILABLE' }], [{ status: 'HELD' }], [{ status: 'RESERVED' }]])('when the query is %p, then it parses', (query) => {
    expect(SeatListQuery.parse(query)).toEqual(query);
  });

  it.each([
    ['a lower-case status', { status: 'available' }],
    ['an unknown status', { status: 'SOLD' }],
    ['a repeated status (array)', { status: ['AVAILABLE', 'HELD'] }],
    ['an unknown parameter', { status: 'AVAILABLE', page: '2' }],
  ])('when the query has %s, then it is rejected', (_label, query) => {
    expect(SeatListQuery.safeParse(query).success).toBe(false);
  });
});

describe('catalogue responses', () => {
  it('when concerts have id, title, artist and venue, then the list parses', () => {
    const list = [{ concertId: uuid, title: 'On-Sale Night 1', artist: 'Aurora Lane', venue: 'Grand Dome' }];
    expect(ConcertListResponse.parse(list)).toEqual(list);
  });

  it('when a concert lacks its title, then the list is rejected', () => {
    expect(ConcertListResponse.safeParse([{ concertId: uuid, artist: 'a', venue: 'v' }]).success).toBe(false);
  });

  it('when schedules carry an ISO start and a seat count, then the list parses', () => {
    const list = [{ scheduleId: uuid, startsAt: '2030-05-01T19:00:00.000Z', availableSeats: 0 }];
    expect(ScheduleListResponse.parse(list)).toEqual(list);
  });

  it.each([
    ['a date without time', { scheduleId: uuid, startsAt: '2030-05-01', availableSeats: 1 }],
    ['a negative seat count', { scheduleId: uuid, startsAt: '2030-05-01T19:00:00Z', availableSeats: -1 }],
  ])('when a schedule has %s, then the list is rejected', (_label, item) => {
    expect(ScheduleListResponse.safeParse([item]).success).toBe(false);
  });

  it('when seats have number, price and a known status, then the list parses', () => {
    const list = [
      { seatNo: 1, price: 150_000, status: 'AVAILABLE' },
      { seatNo: 2, price: 80_000, status: 'HELD' },
      { seatNo: 3, price: 80_000, status: 'RESERVED' },
    ];
    expect(SeatListResponse.parse(list)).toEqual(list);
  });

  it.each([
    ['status SOLD', { seatNo: 1, price: 1, status: 'SOLD' }],
    ['seatNo 0', { seatNo: 0, price: 1, status: 'AVAILABLE' }],
    ['a fractional price', { seatNo: 1, price: 9.99, status: 'AVAILABLE' }],
    ['a string price', { seatNo: 1, price: '100', status: 'AVAILABLE' }],
  ])('when a seat has %s, then the list is rejected', (_label, seat) => {
    expect(SeatListResponse.safeParse([seat]).success).toBe(false);
  });
});

describe('CreateReservationRequest', () => {
  it.each([[1], [MAX_SEAT_NO]])('when seatNo is %p, then it parses', (seatNo) => {
    expect(CreateReservationRequest.parse({ scheduleId: uuid, seatNo })).toEqual({ scheduleId: uuid, seatNo });
  });

  it.each([
    ['seatNo 0', { scheduleId: uuid, seatNo: 0 }],
    ['seatNo above the max', { scheduleId: uuid, seatNo: MAX_SEAT_NO + 1 }],
    ['a fractional seatNo', { scheduleId: uuid, seatNo: 1.5 }],
    ['a string seatNo', { scheduleId: uuid, seatNo: '1' }],
    ['a NaN seatNo', { scheduleId: uuid, seatNo: Number.NaN }],
    ['a bad scheduleId', { scheduleId: 'nope', seatNo: 1 }],
    ['a userId (the user comes from the token)', { scheduleId: uuid, seatNo: 1, userId: 'u1' }],
    ['no seatNo', { scheduleId: uuid }],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(CreateReservationRequest.safeParse(body).success).toBe(false);
  });
});

describe('Reservation', () => {
  const held = { reservationId: uuid, scheduleId: randomUUID(), seatNo: 5, price: 110_000, status: 'HELD', expiresAt: '2030-05-01T19:05:00.000Z' };

  it.each([['HELD'], ['CONFIRMED'], ['EXPIRED'], ['CANCELLED']])('when status is %s, then the reservation parses', (status) => {
    expect(Reservation.safeParse({ ...held, status }).success).toBe(true);
  });

  it.each([
    ['an unknown status', { ...held, status: 'PAID' }],
    ['a missing expiresAt', { ...held, expiresAt: undefined }],
    ['an owner field', { ...held, userId: 'u1' }],
  ])('when the reservation has %s, then it is rejected', (_label, body) => {
    expect(Reservation.safeParse(body).success).toBe(false);
  });

  it('when the create answer is HELD, then CreateReservationResponse parses it', () => {
    expect(CreateReservationResponse.parse(held)).toEqual(held);
  });

  it('when the create answer is anything but HELD, then CreateReservationResponse rejects it', () => {
    expect(CreateReservationResponse.safeParse({ ...held, status: 'CONFIRMED' }).success).toBe(false);
  });
});
