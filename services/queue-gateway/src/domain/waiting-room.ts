/*
 * The waiters connected to this gateway process (long-polls and event streams), and what each of them
 * is told. Plain data and callbacks: the Redis feed and the HTTP streams are wired in by the entry points.
 *
 * Idle waiters cost no Redis calls: admissions and retirements arrive once per process on the queue's
 * feed and are fanned out here by token; a waiter's place between two exact reads is estimated from the
 * feed's cursor (admissions so far), since every admission comes from the head, i.e. from ahead of it.
 */

/** What a waiter is told about its token. */
export type WaiterState =
  | { status: 'WAITING'; position: number; admittedBefore: number }
  | { status: 'ACTIVE'; expiresAt: number }
  | { status: 'GONE' }
  /** This process is shutting down: answer with what is known and let the client reconnect elsewhere. */
  | { status: 'DISMISSED' };

/** One message of the queue's feed: what one admission or retirement did. */
export interface QueueFeedEvent {
  admitted: readonly string[];
  gone: readonly string[];
  /** Admissions so far (after this event), when the event was an admission. */
  admittedTotal?: number;
  /** The admission rate (per second) measured at that admission. */
  ratePerSecond?: number;
  /** When the tokens admitted by this event lose their slot (epoch ms). */
  expiresAt?: number;
}

export type WaiterListener = (state: WaiterState) => void;

/** A waiter's membership of the room; `leave()` is safe to call twice. */
export interface Presence {
  readonly token: string;
  /** Records an exact read of the token's state (a lookup); tells the listener if it is no longer waiting. */
  know(state: WaiterState): void;
  /** The estimated place in line now, or undefined while nothing exact was read yet or once not waiting. */
  position(): number | undefined;
  leave(): void;
}

interface Member {
  listener: WaiterListener;
  /** The last exact read while waiting: position then, and the feed's cursor then. */
  base?: { position: number; admittedBefore: number };
  left: boolean;
}

export class WaitingRoom {
  private readonly members = new Map<string, Set<Member>>();
  /** The feed's cursor: admissions so far, as far as this process has heard. */
  private admittedTotal = 0;
  private rate = { perSecond: 0, at: 0 };

  /** Connected waiters (a token with two open streams counts twice). */
  get size(): number {
    let n = 0;
    for (const set of this.members.values()) n += set.size;
    return n;
  }

  /** The distinct tokens of the connected waiters. */
  tokens(): string[] {
    return [...this.members.keys()];
  }

  /** The admission rate last heard on the feed and when it was measured. */
  admissionRate(): { perSecond: number; at: number } {
    return this.rate;
  }

  /**
   * Joins the room. Enter before reading the token's state, so that no admission published between the
   * read and the entry can be missed: the feed and the read travel on different connections.
   */
  enter(token: string, listener: WaiterListener): Presence {
    const member: Member = { listener, left: false };
    let set = this.members.get(token);
    if (!set) this.members.set(token, (set = new Set()));
    set.add(member);
    const leave = () => {
      if (member.left) return;
      member.left = true;
      const current = this.members.get(token);
      current?.delete(member);
      if (current?.size === 0) this.members.delete(token);
    };
    return {
      token,
      know: (state) => this.know(member, state),
      position: () => (member.base && !member.left ? this.estimate(member.base) : undefined),
      leave,
    };
  }

  /** Applies one feed message: admitted and retired tokens are told at once; the cursor moves on. */
  apply(event: QueueFeedEvent, now: number): void {
    if (event.admittedTotal !== undefined) this.admittedTotal = Math.max(this.admittedTotal, event.admittedTotal);
    if (event.ratePerSecond !== undefined) this.rate = { perSecond: event.ratePerSecond, at: now };
    const expiresAt = event.expiresAt ?? now;
    for (const token of event.admitted) this.tell(token, { status: 'ACTIVE', expiresAt });
    for (const token of event.gone) this.tell(token, { status: 'GONE' });
  }

  /** Tells every waiter the process is going away (before the HTTP server waits for open requests). */
  dismissAll(): void {
    for (const token of this.tokens()) this.tell(token, { status: 'DISMISSED' });
  }

  /** Applies exact states read for many tokens at once (the periodic presence check). */
  resync(states: ReadonlyMap<string, WaiterState>): void {
    for (const [token, state] of states) this.tell(token, state);
  }

  private tell(token: string, state: WaiterState): void {
    const set = this.members.get(token);
    if (!set) return;
    for (const member of [...set]) this.know(member, state);
  }

  private know(member: Member, state: WaiterState): void {
    if (member.left) return;
    if (state.status === 'WAITING') {
      member.base = { position: state.position, admittedBefore: state.admittedBefore };
      this.admittedTotal = Math.max(this.admittedTotal, state.admittedBefore);
      return;
    }
    member.base = undefined;
    member.listener(state);
  }

  /** Exact at the read, then lower by each admission since (departures ahead are caught by the next read). */
  private estimate(base: { position: number; admittedBefore: number }): number {
    return Math.max(1, base.position - Math.max(0, this.admittedTotal - base.admittedBefore));
  }
}
