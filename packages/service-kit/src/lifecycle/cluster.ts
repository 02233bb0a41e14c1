import cluster, { type Worker } from 'node:cluster';
import { createLogger } from '../logger/logger';
import { serveClusterMetrics } from '../metrics/metrics';

/**
 * Runs `processes` copies of a service on one port with node:cluster (the primary hands each new
 * connection to a worker in turn). In the primary it only supervises and returns true: a worker that
 * dies is replaced, SIGTERM or SIGINT stops every worker with SIGTERM (each shuts down as a single
 * process does) and the primary exits when the last one has. A worker that dies before it ever listened
 * (bad settings, say) stops the whole service instead of being restarted in a loop. A scrape of
 * `/metrics` on any process answers the metrics of all of them, merged by the primary. In a worker, or
 * with one process, it returns false and the caller runs the service itself.
 */
export function superviseWorkers(service: string, processes: number): boolean {
  // Anything but a whole number above 1 runs a single process (whose config check reports a bad value).
  if (!(Number.isInteger(processes) && processes > 1) || !cluster.isPrimary) return false;
  const logger = createLogger({ service, level: process.env.LOG_LEVEL ?? 'info' }).child({ role: 'primary' });
  const listened = new WeakSet<Worker>();
  let stopping = false;
  let exitCode = 0;

  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => listened.add(worker));
  };
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };

  cluster.on('exit', (worker, code, signal) => {
    if (!stopping && !listened.has(worker)) {
      logger.fatal({ pid: worker.process.pid, code, signal }, 'a process died before it listened; stopping the service');
      exitCode = code || 1;
      stop();
    } else if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a process died; starting another');
      fork();
    }
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  serveClusterMetrics();
  for (let i = 0; i < processes; i++) fork();
  logger.info({ processes, pid: process.pid }, 'supervising processes');
  return true;
}
