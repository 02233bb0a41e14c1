import { decayedAdmissionRate } from '../../domain/admission-rate';
import type { QueueTokenStatus } from '../../domain/queue-token';

/*
 * Reading the queue scripts' replies. A Lua script answers with loosely typed arrays (strings,
 * integers, nested arrays, '' for "absent"); these helpers turn them into checked values and fail
 * loudly if a script and its reader ever drift apart.
 */

export type Reply = ReadonlyArray<unknown>;

export function text(reply: Reply, index: number): string {
  const value = reply[index];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new TypeError(`queue script reply[${index}] is not a string: ${String(value)}`);
}

export function int(reply: Reply, index: number): number {
  const value = Number(reply[index]);
  if (!Number.isSafeInteger(value)) throw new TypeError(`queue script reply[${index}] is not an integer: ${String(reply[index])}`);
  return value;
}

/** A number (an epoch-ms time, a limit) the script sends as '' when absent. */
export function optionalNumber(reply: Reply, index: number): number | undefined {
  const raw = text(reply, index);
  return raw === '' ? undefined : Number(raw);
}

export function status(reply: Reply, index: number): QueueTokenStatus {
  const value = text(reply, index);
  if (value !== 'WAITING' && value !== 'ACTIVE' && value !== 'PRE_QUEUE') throw new TypeError(`queue script reply[${index}] is not a status: ${value}`);
  return value;
}

export function list(reply: Reply, index: number): string[] {
  const value = reply[index];
  if (!Array.isArray(value)) throw new TypeError(`queue script reply[${index}] is not an array`);
  return value.map(String);
}

/** The stored EWMA (`rate`, `lastTickAt` at the given indexes), decayed to `now`. */
export function admissionRate(reply: Reply, rateIndex: number, now: number): number {
  const stored = Number(text(reply, rateIndex) || 0);
  return decayedAdmissionRate(stored, optionalNumber(reply, rateIndex + 1), now);
}
