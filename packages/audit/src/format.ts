import type { CheckResult } from './audit';

const figuresText = (figures: CheckResult['figures']): string =>
  Object.entries(figures).map(([key, value]) => `${key}=${value}`).join(' ');

/** A plain-text table (check | result | figures) followed by the examples of each violation. */
export function formatTable(checks: CheckResult[]): string {
  const rows = checks.map((check) => [check.name, check.ok ? 'ok' : 'VIOLATED', figuresText(check.figures)] as const);
  const header = ['check', 'result', 'figures'] as const;
  const width = (i: 0 | 1) => Math.max(header[i].length, ...rows.map((row) => row[i].length));
  const line = (cells: readonly [string, string, string]) => `${cells[0].padEnd(width(0))} | ${cells[1].padEnd(width(1))} | ${cells[2]}`;
  const out = [line(header), `${'-'.repeat(width(0))}-+-${'-'.repeat(width(1))}-+-${'-'.repeat(7)}`, ...rows.map(line)];
  const failed = checks.filter((check) => !check.ok);
  if (failed.length) {
    out.push('', 'violations (first examples of each check):');
    for (const check of failed) for (const violation of check.violations) out.push(`  - ${violation}`);
  }
  return out.join('\n');
}
