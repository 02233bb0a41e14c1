import { describe, expect, it } from '@jest/globals';
import { AdmissionLimit, type AdmissionLimitSettings } from '../src/domain/admission-limit';

const settings: AdmissionLimitSettings = { mode: 'adaptive', initial: 100, min: 10, max: 300, targetP95Ms: 300, increaseStep: 10, decreaseFactor: 0.75, minSamples: 10 };
const observeMany = (limit: AdmissionLimit, n: number, latencyMs: number, failed = false) => {
  for (let i = 0; i < n; i++) limit.observe(latencyMs, failed);
};

describe('AdmissionLimit (AIMD)', () => {
  it('when calls are fast and the slots are in use, then it rises by the step per interval up to the ceiling', () => {
    const limit = new AdmissionLimit(settings);
    const seen = [];
    for (let i = 0; i < 25; i++) {
      observeMany(limit, 50, 40);
      limit.adjust(i, limit.limit);
      seen.push(limit.limit);
    }
    expect(seen.slice(0, 3)).toEqual([110, 120, 130]);
    expect(limit.limit).toBe(300);
    expect(limit.lastChange).toMatchObject({ reason: 'healthy', to: 300 });
  });

  it('when fewer than half the slots are used, then it holds (a quiet evening must not raise it)', () => {
    const limit = new AdmissionLimit(settings);
    observeMany(limit, 50, 40);
    expect(limit.adjust(1, 49)).toBeUndefined();
    expect(limit.limit).toBe(100);
  });

  it('when p95 passes the target, then it is cut by the factor; on failures too, down to the floor', () => {
    const limit = new AdmissionLimit(settings);
    observeMany(limit, 94, 50);
    observeMany(limit, 6, 900);
    expect(limit.adjust(1, 100)).toMatchObject({ reason: 'slow', from: 100, to: 75, p95Ms: 900 });
    limit.observe(10, true);
    expect(limit.adjust(2, 75)).toMatchObject({ reason: 'failing', from: 75, to: 56, failures: 1 });
    for (let i = 0; i < 20; i++) {
      limit.observe(10, true);
      limit.adjust(3 + i, 100);
    }
    expect(limit.limit).toBe(10);
  });

  it('when too few calls were seen, then it holds until enough were; in fixed mode it never moves', () => {
    const adaptive = new AdmissionLimit(settings);
    observeMany(adaptive, 5, 5_000);
    expect(adaptive.adjust(1, 100)).toBeUndefined();
    observeMany(adaptive, 5, 5_000);
    expect(adaptive.adjust(2, 100)).toMatchObject({ reason: 'slow', to: 75 });
    const fixed = new AdmissionLimit({ ...settings, mode: 'fixed' });
    observeMany(fixed, 50, 5_000, true);
    expect(fixed.adjust(1, 100)).toBeUndefined();
    expect(fixed.limit).toBe(100);
  });
});
