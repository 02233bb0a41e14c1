import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What travels with one request or one consumed message through every async hop. */
export interface RequestContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with a correlation id visible to every log line and outgoing call made inside it. */
export function runWithCorrelationId<T>(correlationId: string | undefined, fn: () => T): T {
  return storage.run({ correlationId: correlationId || randomUUID() }, fn);
}

/** The current correlation id, or undefined outside a request/message. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
