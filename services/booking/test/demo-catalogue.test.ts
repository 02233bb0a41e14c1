import { describe, expect, it } from '@jest/globals';
import { Uuid } from '@ticketing/contracts';
import { buildCatalogue, seatPrice, stableUuid } from '../src/domain/demo-catalogue';

describe('buildCatalogue', () => {
  const firstDay = new Date('2027-01-15T19:00:00Z');

  it('when built twice, then the ids are the same valid UUIDs, so reloading inserts nothing new', () => {
    const a = buildCatalogue({ concerts: 2, schedulesPerConcert: 3, seatsPerSchedule: 10 }, firstDay);
    const b = buildCatalogue({ concerts: 2, schedulesPerConcert: 3, seatsPerSchedule: 10 }, firstDay);

    expect(a).toEqual(b);
    expect(a.concerts).toHaveLength(2);
    expect(a.schedules).toHaveLength(6);
    for (const id of [...a.concerts.map((c) => c.id), ...a.schedules.map((s) => s.id)]) expect(Uuid.safeParse(id).success).toBe(true);
    expect(new Set(a.schedules.map((s) => s.id)).size).toBe(6);
  });

  it('when schedules are built, then each falls on its own day from the first one', () => {
    const { schedules } = buildCatalogue({ concerts: 2, schedulesPerConcert: 2, seatsPerSchedule: 1 }, firstDay);

    expect(schedules.map((s) => s.startsAt.toISOString().slice(0, 10))).toEqual(['2027-01-15', '2027-01-16', '2027-01-17', '2027-01-18']);
  });
});

describe('seatPrice and stableUuid', () => {
  it('when seats are priced, then the front third costs most and the back third least', () => {
    expect([1, 10, 11, 20, 21, 30].map((n) => seatPrice(n, 30))).toEqual([150_000, 150_000, 110_000, 110_000, 80_000, 80_000]);
  });

  it('when two names differ, then their ids differ', () => {
    expect(stableUuid('concert-1')).not.toBe(stableUuid('concert-2'));
  });
});
