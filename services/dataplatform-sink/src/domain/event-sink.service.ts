import { planSteps } from './delivery-plan';
import { StoreRejectedError, type DeadLetter, type DeadLetterQueue, type Delivery, type EventStore, type ValidDelivery } from './stored-event';

/** What the sink reports, turned into metrics and log lines elsewhere. */
export interface SinkEvents {
  stored(delivery: ValidDelivery<unknown>): void;
  duplicate(delivery: ValidDelivery<unknown>): void;
  deadLettered(letter: DeadLetter<unknown>): void;
  /** A step failed for a reason retrying can cure (store or DLQ unreachable); it will be redelivered. */
  failed(error: unknown, deliveries: number): void;
}

/** How the transport learns what is done, and tells the rules to stop early. */
export interface Progress {
  /** Everything up to and including `offset` is handled: it may be committed. */
  done(offset: string): Promise<void>;
  /** True once the consumer is stopping or lost the partition: the rest will be redelivered. */
  interrupted(): boolean;
}

/**
 * The sink's rules for one partition's batch: every valid event is stored once by eventId (a repeat is
 * counted, not stored), every message that cannot be stored is dead-lettered with its reason, and a
 * message counts as done only after one of the two succeeded. Any other failure is thrown, so the
 * transport redelivers from the first message not done: nothing is skipped, nothing applied twice.
 */
export class EventSinkService<M> {
  constructor(
    private readonly store: EventStore,
    private readonly deadLetters: DeadLetterQueue<M>,
    private readonly events: SinkEvents,
    private readonly maxStore = 500,
  ) {}

  async handle(deliveries: readonly Delivery<M>[], progress: Progress): Promise<void> {
    for (const step of planSteps(deliveries, this.maxStore)) {
      if (progress.interrupted()) return;
      if (step.kind === 'store') await this.storeRun(step.deliveries);
      else await this.deadLetter(step.letters);
      await progress.done(step.lastOffset);
    }
  }

  private async storeRun(run: ValidDelivery<M>[]): Promise<void> {
    let inserted: ReadonlySet<string>;
    try {
      ({ inserted } = await this.store.storeOnce(run));
    } catch (error) {
      if (!(error instanceof StoreRejectedError)) {
        this.events.failed(error, run.length);
        throw error;
      }
      // One value in the run is refused; find it by storing one at a time, so only it is dead-lettered.
      if (run.length > 1) {
        for (const delivery of run) await this.storeRun([delivery]);
        return;
      }
      const [delivery] = run as [ValidDelivery<M>];
      await this.deadLetter([{ ...withoutParsed(delivery), kind: 'rejected-by-store', reason: `store refused the event: ${error.message}` }]);
      return;
    }
    // The same eventId twice in one run is inserted once: only its first delivery is the stored one.
    const first = new Set<string>();
    for (const delivery of run) {
      const { eventId } = delivery.parsed.event;
      if (inserted.has(eventId) && !first.has(eventId)) {
        first.add(eventId);
        this.events.stored(delivery);
      } else {
        this.events.duplicate(delivery);
      }
    }
  }

  private async deadLetter(letters: DeadLetter<M>[]): Promise<void> {
    try {
      await this.deadLetters.send(letters);
    } catch (error) {
      this.events.failed(error, letters.length);
      throw error;
    }
    for (const letter of letters) this.events.deadLettered(letter);
  }
}

const withoutParsed = <M>({ message, position, correlationId }: Delivery<M>) => ({ message, position, correlationId });
