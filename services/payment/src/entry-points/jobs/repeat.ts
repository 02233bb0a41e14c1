import { pause } from '../../domain/backoff';

/**
 * Runs `tick` again and again, never two at once, pausing for whatever `tick` answers (ms) in between.
 * Returns a stop function that interrupts the pause and waits for a running tick to finish.
 */
export function repeat(tick: () => Promise<number>): () => Promise<void> {
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) await pause(await tick(), stopping.signal);
  })();
  return async () => {
    stopping.abort();
    await loop;
  };
}
