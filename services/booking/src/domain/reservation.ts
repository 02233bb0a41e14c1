import type { ReservationStatus, SeatStatus } from '@ticketing/contracts';

/** A reservation as booking stores it. */
export interface ReservationRecord {
  id: string;
  userId: string;
  concertId: string;
  scheduleId: string;
  seatNo: number;
  price: number;
  status: ReservationStatus;
  expiresAt: Date;
  paymentId: string | null;
}

export type HoldOutcome =
  | { kind: 'held'; reservation: ReservationRecord }
  /** Held or sold by someone else, or being held right now (we never queue behind a lock). */
  | { kind: 'unavailable' }
  /** The user already holds `holdLimit` unpaid seats of this schedule. */
  | { kind: 'hold-limit' }
  | { kind: 'seat-not-found' };

export type ConfirmOutcome =
  | { kind: 'confirmed'; reservation: ReservationRecord }
  /** Confirmed earlier by the same payment: a retry, answered the same way. */
  | { kind: 'already-confirmed'; reservation: ReservationRecord }
  /** Confirmed by another payment. */
  | { kind: 'paid-by-other'; reservation: ReservationRecord }
  /** The hold ran out or was cancelled before this payment claimed it. */
  | { kind: 'expired'; reservation: ReservationRecord }
  | { kind: 'not-found' };

export type ReleaseOutcome = { kind: 'released' | 'already-released' | 'confirmed'; reservation: ReservationRecord } | { kind: 'not-found' };

/**
 * What the rules need from storage. Every transition of one reservation is a conditional update of its
 * row, so a concurrent expiry and confirmation serialise on that row and exactly one of them wins.
 */
export interface ReservationStore {
  /**
   * Holds the seat unless it is taken or the user already has `holdLimit` live holds on the schedule;
   * the cap holds atomically, also for one user's concurrent holds.
   */
  hold(input: { userId: string; scheduleId: string; seatNo: number; holdSeconds: number; holdLimit: number }): Promise<HoldOutcome>;
  findById(id: string): Promise<ReservationRecord | undefined>;
  /** HELD and not past expiry → CONFIRMED, seat RESERVED. */
  confirm(id: string, paymentId: string): Promise<ConfirmOutcome>;
  /** HELD and past expiry → EXPIRED, seat AVAILABLE; false when it was not (any more) due. */
  expire(id: string): Promise<boolean>;
  /** Every due hold (oldest first, at most `limit`) → EXPIRED; returns how many. */
  expireDue(limit: number): Promise<number>;
  /** HELD → CANCELLED, seat AVAILABLE (whether or not expired); a confirmed reservation is never released. */
  release(id: string): Promise<ReleaseOutcome>;
}

/** Schedules the release of one hold at its expiry (a delayed job); the sweeper covers lost jobs. */
export interface HoldExpiryScheduler {
  schedule(reservationId: string, expiresAt: Date): Promise<void>;
}

export type { ReservationStatus, SeatStatus };
