import { describe, expect, it } from '@jest/globals';
import { areaOf, renderProfile, summarizeProfile, type CpuProfile } from '../src/profile';

const frame = (id: number, functionName: string, url: string, hitCount: number) => ({ id, callFrame: { functionName, url, lineNumber: 9 }, hitCount });

describe('the CPU profile summary', () => {
  it('when frames come from packages, the project and Node, then each lands in its own area', () => {
    expect(areaOf('file:///app/node_modules/express/lib/router.js', 'handle')).toBe('express');
    expect(areaOf('file:///app/node_modules/@prisma/client/runtime.js', 'q')).toBe('@prisma/client');
    expect(areaOf('file:///work/main/services/booking/dist/app.js', 'hold')).toBe('services/booking');
    expect(areaOf('node:internal/http', 'write')).toBe('node (core)');
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
  });

  it('when a profile is summarized, then self time is shared out by sample counts, hottest first, idle left out of the functions', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs
      nodes: [
        frame(1, '(idle)', '', 50),
        frame(2, 'parse', 'file:///a/node_modules/pino/lib/x.js', 10),
        frame(3, 'hold', 'file:///a/services/booking/dist/hold.js', 30),
        frame(4, 'write', 'node:net', 10),
      ],
    };

    const summary = summarizeProfile(profile);

    expect(summary.totalMs).toBe(1_000);
    expect(summary.byArea).toEqual([
      { area: '(idle)', ms: 500, share: 50 },
      { area: 'services/booking', ms: 300, share: 30 },
      { area: 'pino', ms: 100, share: 10 },
      { area: 'node (core)', ms: 100, share: 10 },
    ]);
    expect(summary.topFunctions.map((f) => f.fn)).toEqual(['hold hold.js:10', 'parse x.js:10', 'write node:net:10']);
    expect(renderProfile('booking', summary)).toContain('| services/booking | 300 | 30% |');
  });
});
