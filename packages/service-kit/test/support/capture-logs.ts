import { PassThrough } from 'node:stream';
import { createLogger } from '../../src';

/** A logger whose lines are kept, parsed, in `lines`, for tests that read what was logged. */
export function captureLogs(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ service: 'svc', destination }), lines };
}
