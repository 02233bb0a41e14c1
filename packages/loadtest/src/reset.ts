import { Redis } from 'ioredis';
import { Client } from 'pg';
import { quoteSchema, type AuditSchemas } from '@ticketing/audit';

export interface ResetOptions {
  databaseUrl: string;
  schemas: AuditSchemas;
  redisUrl: string;
  /** QUEUE_KEY_PREFIX of the gateway. */
  queuePrefix: string;
}

/**
 * Empties every service's data so a load run starts from nothing: every table of the four schemas
 * (except Prisma's migration record) and the gateway's queue keys in Redis. Kept, because a running
 * gateway depends on them: its BullMQ keys (`<prefix>bull:`, the admission scheduler lives there) and
 * streams (the fallback sync reads its change stream through a consumer group). The catalogue goes
 * too; the caller seeds the one it wants.
 */
export async function resetData(options: ResetOptions): Promise<void> {
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ schema: string; table: string }>(
      `SELECT schemaname AS schema, tablename AS table FROM pg_tables
        WHERE schemaname = ANY($1) AND tablename <> '_prisma_migrations'`,
      [Object.values(options.schemas)],
    );
    if (rows.length > 0) {
      await db.query(`TRUNCATE ${rows.map((r) => `${quoteSchema(r.schema)}."${r.table}"`).join(', ')} RESTART IDENTITY CASCADE`);
    }
  } finally {
    await db.end();
  }

  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: `${options.queuePrefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
      const types = await Promise.all(keys.map((key) => redis.type(key)));
      const doomed = keys.filter((key, i) => types[i] !== 'stream' && !key.startsWith(`${options.queuePrefix}bull:`));
      if (doomed.length > 0) await redis.unlink(...doomed);
    }
  } finally {
    redis.disconnect();
  }
}
