import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditOptions, AuditSchemas } from '@ticketing/audit';
import { runScenario } from './artillery';
import { waitForDrain } from './drain';
import { buildReport, renderMarkdown, type LoadReport } from './report';

export interface LoadRunOptions {
  target: string;
  users: number;
  windowSeconds: number;
  /** Describes the seeded catalogue in the report (e.g. "100 concerts × 500 seats"). */
  catalogue: string;
  /** Where the services keep their data, for the drain and the audit. */
  audit: AuditOptions & { schemas: AuditSchemas };
  /** Artillery's JSON output goes here. */
  artilleryOutput: string;
  runId: string;
  quiet?: boolean;
  drainTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The scenario, then the drain and the audit, folded into one report (the data must be seeded). */
export async function runLoad(options: LoadRunOptions): Promise<LoadReport> {
  const startedAt = new Date();
  const artillery = await runScenario({
    target: options.target,
    users: options.users,
    windowSeconds: options.windowSeconds,
    outputFile: options.artilleryOutput,
    runId: options.runId,
    quiet: options.quiet,
    env: options.env,
  });
  const drain = await waitForDrain(options.audit, options.drainTimeoutMs ?? 120_000);
  return buildReport({
    startedAt,
    settings: { target: options.target, users: options.users, windowSeconds: options.windowSeconds, catalogue: options.catalogue },
    artillery,
    pipeline: drain.figures,
    drained: drain.drained,
    drainMs: drain.drainMs,
    audit: drain.audit,
    wallMs: Date.now() - startedAt.getTime(),
  });
}

/** Writes `<name>.json` and `<name>.md` into `dir`, and the same as `latest.*`; returns the Markdown path. */
export function writeReport(dir: string, name: string, report: LoadReport): string {
  mkdirSync(dir, { recursive: true });
  const markdown = renderMarkdown(report);
  for (const base of [name, 'latest']) {
    writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, `${base}.md`), markdown);
  }
  return join(dir, `${name}.md`);
}
