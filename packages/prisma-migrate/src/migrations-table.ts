import { randomUUID } from 'node:crypto';
import type { ClientBase } from 'pg';
import { quoteSchema } from './database-url';

/**
 * Prisma's own DDL for its history table (PostgreSQL flavour of the schema engine), kept verbatim so that
 * `prisma migrate deploy/status` with the native engine reads and continues the same history.
 */
export const MIGRATIONS_TABLE_DDL = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

export interface MigrationRow {
  migrationName: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  startedAt: Date;
  logs: string | null;
}

/** Creates the schema and its `_prisma_migrations` when missing. Call it while holding the migrate lock. */
export async function ensureMigrationsTable(client: ClientBase, schema: string): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteSchema(schema)}`);
  const { rows } = await client.query<{ exists: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists`,
    [`${quoteSchema(schema)}._prisma_migrations`],
  );
  if (rows[0]?.exists) return;
  // The DDL names the table unqualified, as Prisma does; search_path decides where it lands.
  await inTransaction(client, schema, () => client.query(MIGRATIONS_TABLE_DDL));
}

export async function readMigrationRows(client: ClientBase, schema: string): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT migration_name AS "migrationName", checksum, finished_at AS "finishedAt",
            rolled_back_at AS "rolledBackAt", started_at AS "startedAt", logs
       FROM ${quoteSchema(schema)}._prisma_migrations
      ORDER BY started_at, migration_name`,
  );
  return rows;
}

/**
 * The row `prisma migrate deploy` leaves for a migration that succeeded. Inserted in the migration's own
 * transaction: started_at is the transaction's start, finished_at the moment the script was done.
 */
export async function recordAppliedMigration(
  client: ClientBase,
  schema: string,
  migration: { name: string; checksum: string },
): Promise<void> {
  await client.query(
    `INSERT INTO ${quoteSchema(schema)}._prisma_migrations
       (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
     VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
    [randomUUID(), migration.checksum, migration.name],
  );
}

/**
 * Runs `work` in one transaction whose search_path is the service's schema, so a migration's unqualified
 * names land there (SET LOCAL ends with the transaction, whatever the script itself sets).
 */
export async function inTransaction<T>(client: ClientBase, schema: string, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL search_path TO ${quoteSchema(schema)}`);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
