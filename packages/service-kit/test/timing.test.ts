import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { repeatEvery, withTimeout } from '../src/lifecycle/timing';

describe('withTimeout', () => {
  it('when the work finishes in time, then its value comes back; when it does not, then the message', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(withTimeout(sleep(1_000), 20, 'too slow')).rejects.toThrow('too slow');
    await expect(withTimeout(Promise.reject(new Error('broken')), 1_000)).rejects.toThrow('broken');
  });
});

describe('repeatEvery', () => {
  it('when ticks run, then never two at once, the first at once, each waiting what the last answered or the default', async () => {
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    const stop = repeatEvery(30, async () => {
      starts.push(performance.now());
      running += 1;
      most = Math.max(most, running);
      await sleep(5);
      running -= 1;
      return starts.length === 1 ? 0 : undefined;
    });
    while (starts.length < 4) await sleep(5);
    await stop();
    const count = starts.length;
    await sleep(80);

    expect(most).toBe(1);
    expect(starts.length).toBe(count);
    // The second tick follows the first at once (it answered 0); later ones wait the default 30 ms.
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(29);
  });

  it('when stopped during a long wait, then the stop returns at once, not after the wait', async () => {
    let ticks = 0;
    const stop = repeatEvery(60_000, async () => {
      ticks += 1;
    });
    while (ticks === 0) await sleep(1);
    await expect(Promise.race([stop().then(() => 'stopped'), sleep(1_000).then(() => 'still waiting')])).resolves.toBe('stopped');
    expect(ticks).toBe(1);
  });
});
