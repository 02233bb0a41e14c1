import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { logLines } from '@ticketing/devstack/testing';
import { createLogger, ShutdownManager } from '../src';

describe('ShutdownManager', () => {
  const logger = createLogger({ service: 'svc', destination: new PassThrough() });

  it('when shut down twice, then each handler ran once, in reverse order of registration', async () => {
    const calls: string[] = [];
    const manager = new ShutdownManager(logger);
    manager.add('postgres', () => { calls.push('postgres'); });
    manager.add('kafka', async () => { calls.push('kafka'); });
    manager.add('http', () => { calls.push('http'); });

    await Promise.all([manager.shutdown('SIGTERM'), manager.shutdown('SIGINT')]);
    await manager.shutdown('again');

    expect(calls).toEqual(['http', 'kafka', 'postgres']);
  });

  it('when one handler fails, then the others still run', async () => {
    const calls: string[] = [];
    const manager = new ShutdownManager(logger);
    manager.add('postgres', () => { calls.push('postgres'); });
    manager.add('redis', () => { throw new Error('already closed'); });
    manager.add('http', () => { calls.push('http'); });

    await manager.shutdown('SIGTERM');

    expect(calls).toEqual(['http', 'postgres']);
  });

  it('when a step has a time limit and hangs, then the next steps still run, and it is logged as cut short, not as failed', async () => {
    const calls: string[] = [];
    const { destination, lines } = logLines();
    const manager = new ShutdownManager(createLogger({ service: 'svc', destination }));
    manager.add('postgres', () => { calls.push('postgres'); });
    manager.add('consumer', () => new Promise(() => undefined), { timeoutMs: 50 });

    await manager.shutdown('SIGTERM');

    expect(calls).toEqual(['postgres']);
    expect(lines.filter((line) => line.includes('cut short at its time limit') && line.includes('"step":"consumer"'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('shutdown step failed'))).toEqual([]);
  });
});
