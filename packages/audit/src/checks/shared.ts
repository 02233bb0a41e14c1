import type { Client } from 'pg';

/** The Postgres schema each service owns (all in one database). */
export interface AuditSchemas {
  booking: string;
  payment: string;
  gateway: string;
  sink: string;
}

export interface AuditOptions {
  databaseUrl: string;
  schemas?: Partial<AuditSchemas>;
  redisUrl: string;
  /** QUEUE_KEY_PREFIX of the gateway. */
  queuePrefix: string;
  /** QUEUE_MAX_ACTIVE of the gateway. */
  maxActive: number;
  /** A HELD reservation may outlive expires_at by this much (the sweeper runs periodically). */
  holdGraceSeconds?: number;
  /** A PENDING payment younger than this is in flight, not stuck (the recovery job settles older ones). */
  pendingGraceSeconds?: number;
  /** An unpublished outbox row younger than this is in flight, not stuck. */
  outboxGraceSeconds?: number;
}

export interface CheckResult {
  name: 'money' | 'seats' | 'events' | 'tokens';
  ok: boolean;
  figures: Record<string, number | string>;
  /** The first few violations found (at most MAX_EXAMPLES); empty when ok. */
  violations: string[];
}

export const DEFAULT_SCHEMAS: AuditSchemas = {
  booking: 'booking',
  payment: 'payment',
  gateway: 'queue_gateway',
  sink: 'dataplatform_sink',
};

export const MAX_EXAMPLES = 10;

export type Schemas = Record<keyof AuditSchemas, string>;
export type Row = Record<string, unknown>;

export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

export function result(name: CheckResult['name'], figures: CheckResult['figures'], violations: string[]): CheckResult {
  return { name, ok: violations.length === 0, figures, violations: violations.slice(0, MAX_EXAMPLES) };
}

/** Runs a violation query limited to a few examples plus its total count (one round trip). */
export async function examples(db: Client, sql: string, params: unknown[], describe: (row: Row) => string): Promise<{ count: number; lines: string[] }> {
  const { rows } = await db.query<Row>(
    `WITH v AS (${sql}) SELECT v.*, count(*) OVER () AS total_count FROM v LIMIT ${MAX_EXAMPLES}`,
    params,
  );
  return { count: num(rows[0]?.total_count), lines: rows.map(describe) };
}
