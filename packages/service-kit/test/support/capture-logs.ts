import { logLines } from '@ticketing/devstack/testing';
import { createLogger } from '../../src';

/** A logger whose lines are kept, parsed, in `lines`, for tests that read what was logged. */
export function captureLogs(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const { destination, lines } = logLines((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger: createLogger({ service: 'svc', destination }), lines };
}
