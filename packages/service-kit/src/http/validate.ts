import type { z } from 'zod';
import { formatZodIssues, type ErrorCode } from '@ticketing/contracts';
import { AppError } from '../errors/app-error';

/**
 * Parses untrusted input with a contracts schema; failure is a 400 with the given VALIDATION.* code
 * and a readable list of what was wrong. Entry points call this; domain code receives typed values only.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'VALIDATION.INVALID_BODY'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError(code, formatZodIssues(result.error));
  return result.data;
}
