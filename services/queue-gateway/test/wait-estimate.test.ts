import { describe, expect, it } from '@jest/globals';
import { capacityTurnoverRate, decayedAdmissionRate, ADMISSION_RATE_WINDOW_MS } from '../src/domain/admission-rate';
import { estimatedWaitSeconds, MAX_ESTIMATED_WAIT_SECONDS } from '../src/domain/wait-estimate';

describe('estimatedWaitSeconds', () => {
  it('when the user is active (position 0), then 0', () => {
    expect(estimatedWaitSeconds(0, 10, 1)).toBe(0);
  });

  it('when admissions were measured, then the position divided by the measured rate, rounded up', () => {
    expect(estimatedWaitSeconds(250, 10, 1)).toBe(25);
    expect(estimatedWaitSeconds(1, 3, 1)).toBe(1);
  });

  it('when nothing was admitted recently, then the capacity turnover (max active / TTL) is used instead', () => {
    const turnover = capacityTurnoverRate(100, 300);

    expect(estimatedWaitSeconds(10, 0, turnover)).toBe(30);
    expect(estimatedWaitSeconds(10, Number.NaN, turnover)).toBe(30);
  });

  it('when no rate at all is known, then the estimate is clamped to a day rather than infinite', () => {
    expect(estimatedWaitSeconds(5, 0, 0)).toBe(MAX_ESTIMATED_WAIT_SECONDS);
    expect(estimatedWaitSeconds(1e9, 0.001, 0)).toBe(MAX_ESTIMATED_WAIT_SECONDS);
  });
});

describe('decayedAdmissionRate', () => {
  it('when time passes without a tick, then the rate falls by e per window, and 0 before any tick', () => {
    expect(decayedAdmissionRate(10, 1_000, 1_000)).toBe(10);
    expect(decayedAdmissionRate(10, 0, ADMISSION_RATE_WINDOW_MS)).toBeCloseTo(10 / Math.E);
    expect(decayedAdmissionRate(10, undefined, 5)).toBe(0);
  });
});
