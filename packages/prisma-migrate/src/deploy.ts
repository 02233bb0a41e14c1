import { Client } from 'pg';
import { withMigrateLock } from './advisory-lock';
import { withoutSchemaParam } from './database-url';
import { pendingMigrations } from './history';
import { assertPostgresLockfile, readLockfile, readMigrations, type LocalMigration } from './migrations-dir';
import { ensureMigrationsTable, inTransaction, readMigrationRows, recordAppliedMigration } from './migrations-table';

export interface DeployOptions {
  databaseUrl: string;
  /** The Postgres schema the service owns; created when missing. */
  schema: string;
  /** The service's `prisma/migrations`. */
  migrationsDir: string;
  log?: (line: string) => void;
  /** How long to wait for another deployer holding the migrate lock (default 60 s). */
  lockTimeoutMs?: number;
}

/**
 * What `prisma migrate deploy` does, without the native engine: applies the pending committed migrations in
 * order and records them in `<schema>._prisma_migrations` exactly as Prisma would. Returns the names applied.
 *
 * Each migration runs in its own transaction together with its history row, so a failing one leaves neither
 * half-applied DDL nor a "failed" row behind: fix the file and deploy again.
 */
export async function deployMigrations(options: DeployOptions): Promise<string[]> {
  const { databaseUrl, schema, migrationsDir, log = () => undefined, lockTimeoutMs = 60_000 } = options;
  // Read the files before taking the lock, so an unreadable folder never blocks other deployers.
  assertPostgresLockfile(await readLockfile(migrationsDir), migrationsDir);
  const local = await readMigrations(migrationsDir);

  const client = new Client({ connectionString: withoutSchemaParam(databaseUrl), application_name: 'prisma-migrate' });
  await client.connect();
  try {
    return await withMigrateLock(client, lockTimeoutMs, async () => {
      await ensureMigrationsTable(client, schema);
      const pending = pendingMigrations(local, await readMigrationRows(client, schema), schema, log);
      for (const migration of pending) {
        log(`${schema}: applying ${migration.name}`);
        await inTransaction(client, schema, async () => {
          await client.query(migration.script).catch((error: unknown) => {
            throw migrationError(schema, migration, error);
          });
          await recordAppliedMigration(client, schema, migration);
        });
      }
      if (pending.length === 0) log(`${schema}: up to date (${local.length} migrations)`);
      return pending.map((m) => m.name);
    });
  } finally {
    await client.end();
  }
}

/** Names the file and line, since Postgres only reports a character offset into the whole script. */
function migrationError(schema: string, migration: LocalMigration, error: unknown): Error {
  const pgError = error as { message?: string; position?: string };
  const offset = Number(pgError.position);
  const line = Number.isFinite(offset) && offset > 0 ? migration.script.slice(0, offset).split('\n').length : undefined;
  const where = `${migration.name}/migration.sql${line ? ` line ${line}` : ''}`;
  return new Error(`schema "${schema}": ${where} failed, rolled back, nothing recorded: ${pgError.message ?? String(error)}`, {
    cause: error,
  });
}
