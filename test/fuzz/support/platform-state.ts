import { Client } from 'pg';
import { quoteSchema, runAudit } from '@ticketing/audit';
import type { Platform } from '../../support/platform';

export interface PlatformState {
  /** Each audit check: ok, and every figure it reports (money, seats, events, tokens). */
  audit: Record<string, { ok: boolean; violations: string[]; figures: Record<string, number | string> }>;
  /** Row count and an md5 of every row of every table of booking, payment and the sink. */
  tables: Record<string, { rows: number; md5: string }>;
  /** The gateway's fallback copy of the tokens, without its bookkeeping timestamp. */
  gatewayTokens: { rows: number; md5: string };
  /** `GET /queue/stats`: waiting, active, maxActive. */
  queue: { waiting: number; active: number; maxActive: number };
  /** `GET /balance` of the fuzz's own user. */
  balance: number;
}

/**
 * Everything bad input could have changed, in one comparable value: the audit's figures, a fingerprint
 * of every row the services own, the line's counts and the fuzz user's balance as the API reports it.
 */
export async function capturePlatformState(platform: Platform, options: { maxActive: number; activeToken: string }): Promise<PlatformState> {
  const { booking, payment, gateway, sink } = platform.schemas;
  const checks = await runAudit({
    databaseUrl: booking.databaseUrl,
    schemas: { booking: booking.schema, payment: payment.schema, gateway: gateway.schema, sink: sink.schema },
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380',
    queuePrefix: platform.queuePrefix,
    maxActive: options.maxActive,
  });
  const db = new Client({ connectionString: booking.databaseUrl });
  await db.connect();
  try {
    const tables: PlatformState['tables'] = {};
    for (const schema of [booking.schema, payment.schema, sink.schema]) {
      const { rows } = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
        [schema],
      );
      for (const { table_name: table } of rows) {
        const label = `${schema.replace(/_[0-9a-f]{8}$/, '')}.${table}`;
        tables[label] = await fingerprint(db, `SELECT t::text AS row FROM ${quoteSchema(schema)}."${table}" t`);
      }
    }
    const gatewayTokens = await fingerprint(db, `SELECT concat_ws('|', token, user_id, status, activated_at, expires_at) AS row FROM ${quoteSchema(gateway.schema)}.queue_tokens`);
    const stats = (await (await fetch(`${platform.gatewayUrl}/queue/stats`)).json()) as PlatformState['queue'];
    const balance = (await (await fetch(`${platform.gatewayUrl}/balance`, { headers: { 'x-queue-token': options.activeToken } })).json()) as { balance: number };
    return {
      audit: Object.fromEntries(checks.map((c) => [c.name, { ok: c.ok, violations: c.violations, figures: c.figures }])),
      tables,
      gatewayTokens,
      queue: { waiting: stats.waiting, active: stats.active, maxActive: stats.maxActive },
      balance: balance.balance,
    };
  } finally {
    await db.end();
  }
}

async function fingerprint(db: Client, rowsSql: string): Promise<{ rows: number; md5: string }> {
  const { rows: [result] } = await db.query<{ rows: string; md5: string }>(
    `SELECT count(*)::text AS rows, md5(coalesce(string_agg(r.row, E'\\n' ORDER BY r.row), '')) AS md5 FROM (${rowsSql}) r`,
  );
  return { rows: Number(result?.rows ?? 0), md5: result?.md5 ?? '' };
}
