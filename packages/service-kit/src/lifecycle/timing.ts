import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `work`, or a rejection with `message` once `ms` passed; the work itself goes on in the background.
 * The timer never keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message = `did not finish within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `tick` at once and then again and again, never two at once: after each run it waits the number of
 * ms `tick` answers, or `everyMs` when it answers nothing (a failed tick is the tick's own business: it
 * should catch and log). Returns a stop function that cuts the wait short and waits for a running tick.
 * The waits never keep the process alive.
 */
export function repeatEvery(everyMs: number, tick: () => Promise<number | void>): () => Promise<void> {
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const waitMs = (await tick()) ?? everyMs;
      if (stopping.signal.aborted) break;
      await sleep(waitMs, undefined, { signal: stopping.signal, ref: false }).catch(() => undefined);
    }
  })();
  return async () => {
    stopping.abort();
    await loop;
  };
}
