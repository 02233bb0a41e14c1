import type { z } from 'zod';
import { oneLine } from './internal/one-line';

/** Issues listed before the rest are summarised as "(+N more)": one bad request, one short message. */
const MAX_ISSUES = 5;
/** Keeps a 400 body (and a DLQ header) small whatever the input was. */
const MAX_LENGTH = 500;

/** `a.b[0].c`; keys that are not plain identifiers are quoted so the path stays unambiguous. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Turns a zod error into one short readable line, `path: message; path: message`, for `400` messages
 * and dead-letter reasons. Issues at the root (wrong type, unknown keys) have no path prefix.
 * The result never contains a newline and is at most 500 characters.
 */
export function formatZodIssues(error: Pick<z.ZodError, 'issues'>): string {
  const issues = error.issues;
  if (issues.length === 0) return 'invalid input';
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = formatPath(issue.path);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  if (issues.length > MAX_ISSUES) parts.push(`(+${issues.length - MAX_ISSUES} more)`);
  // Client-chosen keys appear in "Unrecognized key" messages: keep them from breaking log lines.
  return oneLine(parts.join('; '), MAX_LENGTH);
}
