import { createHash } from 'node:crypto';

/** The shape of a catalogue to load: `concerts` × `schedulesPerConcert` × `seatsPerSchedule`. */
export interface CatalogueSize {
  concerts: number;
  schedulesPerConcert: number;
  seatsPerSchedule: number;
}

export const DEMO_SIZE: CatalogueSize = { concerts: 3, schedulesPerConcert: 2, seatsPerSchedule: 50 };

/**
 * A stable UUID derived from a name, so that loading the same catalogue twice yields the same ids and
 * inserts nothing new (the seed is idempotent without reading first).
 */
export function stableUuid(name: string): string {
  const hex = createHash('sha256').update(`ticketing:${name}`).digest('hex');
  // Version 5-style layout (name-based) so the value is a valid RFC 4122 UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const ARTISTS = ['The Midnight Echo', 'Aurora Lane', 'Static Bloom', 'Velvet Harbor', 'Neon Tide'];
const VENUES = ['Olympic Hall', 'Riverside Arena', 'Grand Dome'];

/** Seat prices by section: the front rows cost more, as at a real venue. */
export function seatPrice(seatNo: number, seatsPerSchedule: number): number {
  const third = Math.ceil(seatsPerSchedule / 3);
  return seatNo <= third ? 150_000 : seatNo <= 2 * third ? 110_000 : 80_000;
}

/** Builds the catalogue rows for `size`, with schedules on consecutive days from `firstDay`. */
export function buildCatalogue(size: CatalogueSize, firstDay: Date) {
  const concerts = [];
  const schedules = [];
  for (let c = 1; c <= size.concerts; c++) {
    const concertId = stableUuid(`concert-${c}`);
    concerts.push({ id: concertId, title: `On-Sale Night ${c}`, artist: ARTISTS[(c - 1) % ARTISTS.length]!, venue: VENUES[(c - 1) % VENUES.length]! });
    for (let s = 1; s <= size.schedulesPerConcert; s++) {
      const startsAt = new Date(firstDay.getTime() + ((c - 1) * size.schedulesPerConcert + s - 1) * 86_400_000);
      schedules.push({ id: stableUuid(`concert-${c}-schedule-${s}`), concertId, startsAt });
    }
  }
  return { concerts, schedules };
}
