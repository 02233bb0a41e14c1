import { describe, expect, it } from '@jest/globals';
import { planSteps } from '../src/domain/delivery-plan';
import { aDelivery, anEvent } from './support/kafka-helpers';

describe('planSteps', () => {
  const summary = (steps: ReturnType<typeof planSteps>) =>
    steps.map((step) => [step.kind, step.kind === 'store' ? step.deliveries.length : step.letters.length, step.lastOffset]);

  it('when valid and poison messages interleave, then runs keep log order and each step ends at its last offset', () => {
    const deliveries = [aDelivery(anEvent(), 1), aDelivery(anEvent(), 2), aDelivery(undefined, 3, 'x'), aDelivery(undefined, 4, '{}'), aDelivery(anEvent(), 5)];

    const steps = planSteps(deliveries, 500);

    expect(summary(steps)).toEqual([['store', 2, '2'], ['dead-letter', 2, '4'], ['store', 1, '5']]);
  });

  it('when a run of valid events exceeds the store batch size, then it is split into batches of that size', () => {
    const deliveries = Array.from({ length: 5 }, (_, i) => aDelivery(anEvent(), i));

    const steps = planSteps(deliveries, 2);

    expect(summary(steps)).toEqual([['store', 2, '1'], ['store', 2, '3'], ['store', 1, '4']]);
  });

  it('when a message is poison, then its letter carries the parse failure kind and reason', () => {
    const steps = planSteps([aDelivery(undefined, 7, JSON.stringify({ ...anEvent(), version: 3 }))], 500);

    expect(steps[0]).toMatchObject({ kind: 'dead-letter', letters: [{ kind: 'unsupported-version', reason: expect.stringContaining('version 3') }] });
  });

  it('when the batch is empty, then there is nothing to do', () => {
    expect(planSteps([], 500)).toEqual([]);
  });
});
