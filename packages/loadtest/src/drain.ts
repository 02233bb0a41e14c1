import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { quoteSchema, runAudit, type AuditOptions, type AuditSchemas, type CheckResult } from '@ticketing/audit';

export interface PipelineFigures {
  completedPayments: number;
  pendingPayments: number;
  unpublishedEvents: number;
  /** Sink rows of completed payments (one per payment when drained). */
  sinkEvents: number;
  duplicatesIgnored: number;
}

export interface DrainResult {
  figures: PipelineFigures;
  audit: CheckResult[];
  drained: boolean;
  /** From the call until the pipeline had drained and the audit passed (or the time limit). */
  drainMs: number;
}

/** What is in flight between payment, Kafka and the sink, in one snapshot. */
export async function pipelineFigures(databaseUrl: string, schemas: AuditSchemas): Promise<PipelineFigures> {
  const payment = quoteSchema(schemas.payment);
  const sink = quoteSchema(schemas.sink);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<Record<keyof PipelineFigures, string>>(`
      SELECT (SELECT count(*) FROM ${payment}.payments WHERE status = 'COMPLETED') AS "completedPayments",
             (SELECT count(*) FROM ${payment}.payments WHERE status = 'PENDING') AS "pendingPayments",
             (SELECT count(*) FROM ${payment}.outbox_events WHERE published_at IS NULL) AS "unpublishedEvents",
             (SELECT count(*) FROM ${sink}.stored_events e
               WHERE EXISTS (SELECT 1 FROM ${payment}.payments p WHERE p.id = e.payment_id AND p.status = 'COMPLETED')) AS "sinkEvents",
             (SELECT coalesce(sum(duplicate_deliveries), 0) FROM ${sink}.stored_events) AS "duplicatesIgnored"`);
    const row = rows[0]!;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as PipelineFigures;
  } finally {
    await db.end();
  }
}

/**
 * Waits until every payment is settled, every event published and stored once, and the audit passes
 * (paid users' tokens expire through the same events), or until `timeoutMs`; returns the last figures
 * and audit either way, so a report shows what did not drain.
 */
export async function waitForDrain(audit: AuditOptions & { schemas: AuditSchemas }, timeoutMs: number): Promise<DrainResult> {
  const started = Date.now();
  for (;;) {
    const figures = await pipelineFigures(audit.databaseUrl, audit.schemas);
    const settled = figures.pendingPayments === 0 && figures.unpublishedEvents === 0 && figures.sinkEvents === figures.completedPayments;
    const checks = settled || Date.now() - started >= timeoutMs ? await runAudit(audit) : [];
    const drained = settled && checks.every((check) => check.ok);
    if (drained || Date.now() - started >= timeoutMs) return { figures, audit: checks, drained, drainMs: Date.now() - started };
    await sleep(500);
  }
}
