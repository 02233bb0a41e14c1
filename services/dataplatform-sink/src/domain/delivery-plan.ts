import type { DeadLetter, Delivery, ValidDelivery } from './stored-event';

/**
 * One unit of work over consecutive deliveries of a partition. Offsets are committed per step, in log
 * order, so a step must be done completely before the next one starts.
 */
export type Step<M> =
  | { kind: 'store'; deliveries: ValidDelivery<M>[]; lastOffset: string }
  | { kind: 'dead-letter'; letters: DeadLetter<M>[]; lastOffset: string };

const isValid = <M>(delivery: Delivery<M>): delivery is ValidDelivery<M> => delivery.parsed.ok;

/**
 * Splits a partition's batch into runs: consecutive valid events become one idempotent insert (at most
 * `maxStore` rows), consecutive poison messages one dead-letter send. Order is kept, so committing the
 * last offset of a finished step never commits a message that was not handled.
 */
export function planSteps<M>(deliveries: readonly Delivery<M>[], maxStore: number): Step<M>[] {
  const steps: Step<M>[] = [];
  for (const delivery of deliveries) {
    const last = steps.at(-1);
    if (isValid(delivery)) {
      if (last?.kind === 'store' && last.deliveries.length < maxStore) last.deliveries.push(delivery);
      else steps.push({ kind: 'store', deliveries: [delivery], lastOffset: delivery.position.offset });
    } else {
      const { message, position, correlationId, parsed } = delivery as Delivery<M> & { parsed: { ok: false } };
      const letter: DeadLetter<M> = { message, position, correlationId, kind: parsed.kind, reason: parsed.reason };
      if (last?.kind === 'dead-letter') last.letters.push(letter);
      else steps.push({ kind: 'dead-letter', letters: [letter], lastOffset: delivery.position.offset });
    }
    steps.at(-1)!.lastOffset = delivery.position.offset;
  }
  return steps;
}
