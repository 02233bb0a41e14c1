import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger } from '../logger/logger';
import { createMetricsRegistry } from '../metrics/metrics';
import { ShutdownManager } from './shutdown';

/** The settings `runService` itself needs from a service's parsed config. */
export interface RuntimeConfig {
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  AUTH_MODE: string;
}

export interface ServiceRuntime<C> {
  /** The service's name: its logs' `service`, its metrics' prefix, its Kafka client id. */
  service: string;
  config: C;
  logger: Logger;
  /** The process's Prometheus registry (served at /metrics), with Node's default metrics. */
  metrics: Registry;
  shutdown: ShutdownManager;
}

/**
 * The body of every `main.ts`: parse the config (a bad value stops the process with a readable
 * message), build the logger, the metrics registry and a shutdown manager listening for SIGTERM/SIGINT, then start the
 * service. A failed start-up is logged, closes whatever was already opened, and exits non-zero.
 */
export async function runService<C extends RuntimeConfig>(
  service: string,
  loadConfig: () => C,
  start: (runtime: ServiceRuntime<C>) => Promise<void>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    createLogger({ service }).fatal(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const shutdown = new ShutdownManager(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.listenForSignals();
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  if (config.AUTH_MODE === 'dev') {
    logger.warn('AUTH_MODE=dev: development credentials (published internal tokens; the gateway trusts the userId a client sends). For local runs only.');
  }
  try {
    await start({ service, config, logger, metrics: createMetricsRegistry(service), shutdown });
    logger.info('service started');
  } catch (error) {
    logger.fatal({ err: error }, 'service failed to start');
    await shutdown.shutdown('start-up failure');
    process.exit(1);
  }
}
