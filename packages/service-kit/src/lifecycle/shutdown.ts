import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';

const CUT_SHORT = Symbol('cut short');

interface Handler {
  name: string;
  close: () => Promise<unknown> | unknown;
  /** Longest this step may take before the next one runs (e.g. a Kafka consumer leaving a group whose broker just came back). */
  timeoutMs?: number;
}

/**
 * Named shutdown steps run once, in reverse order of registration (so the HTTP server stops taking
 * requests before the clients it uses are closed). Each step is bounded by the overall timeout.
 */
export class ShutdownManager {
  private readonly handlers: Handler[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  add(name: string, close: Handler['close'], options: { timeoutMs?: number } = {}): void {
    this.handlers.push({ name, close, timeoutMs: options.timeoutMs });
  }

  /** Runs every handler once; later calls return the same promise. Never throws: failures are logged. */
  shutdown(reason: string): Promise<void> {
    this.running ??= this.runHandlers(reason);
    return this.running;
  }

  /** SIGTERM/SIGINT start the shutdown; the process exits 0 when it completes, 1 if it timed out. */
  listenForSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      const timer = setTimeout(() => {
        this.logger.error({ signal }, 'shutdown timed out');
        exit(1);
      }, this.timeoutMs);
      timer.unref();
      void this.shutdown(signal).then(() => exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  private async runHandlers(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    for (const handler of [...this.handlers].reverse()) {
      try {
        const work = Promise.resolve().then(handler.close);
        const outcome = handler.timeoutMs === undefined ? await work : await Promise.race([work, delay(handler.timeoutMs, CUT_SHORT, { ref: false })]);
        if (outcome === CUT_SHORT) {
          // A step given a time limit of its own may be left unfinished: that was decided when it was added.
          this.logger.warn({ step: handler.name, timeoutMs: handler.timeoutMs }, 'shutdown step cut short at its time limit');
        } else {
          this.logger.info({ step: handler.name }, 'closed');
        }
      } catch (error) {
        this.logger.error({ err: error, step: handler.name }, 'shutdown step failed');
      }
    }
  }
}
