import type { LocalMigration } from './migrations-dir';
import { matchesChecksum } from './migrations-dir';
import type { MigrationRow } from './migrations-table';

/**
 * Compares the committed migrations with the schema's `_prisma_migrations` and returns those still to apply.
 * Refuses, before anything runs, when the history cannot be trusted: a failed run, or an applied file edited since.
 */
export function pendingMigrations(
  local: LocalMigration[],
  rows: MigrationRow[],
  schema: string,
  log: (line: string) => void = () => undefined,
): LocalMigration[] {
  // Rows marked rolled back (`prisma migrate resolve --rolled-back`) are history only, as in Prisma.
  const active = rows.filter((row) => row.rolledBackAt === null);

  const failed = active.filter((row) => row.finishedAt === null);
  if (failed.length > 0) {
    const details = failed
      .map((row) => `  ${row.migrationName} (started ${row.startedAt.toISOString()})${row.logs ? `: ${row.logs.trim()}` : ''}`)
      .join('\n');
    throw new Error(
      `schema "${schema}" has failed migrations; nothing was applied.\n${details}\n` +
        `Repair the database by hand, then set rolled_back_at on that row (what \`prisma migrate resolve --rolled-back\` does).`,
    );
  }

  const byName = new Map(local.map((m) => [m.name, m]));
  const edited = active.filter((row) => {
    const file = byName.get(row.migrationName);
    return file !== undefined && !matchesChecksum(file.script, row.checksum);
  });
  if (edited.length > 0) {
    throw new Error(
      `schema "${schema}": applied migrations were edited after they ran (checksum differs); nothing was applied.\n` +
        edited.map((row) => `  ${row.migrationName}`).join('\n') +
        `\nRestore the committed file and put the change in a new migration.`,
    );
  }

  const appliedNames = new Set(active.map((row) => row.migrationName));
  for (const name of appliedNames) {
    if (!byName.has(name)) log(`${schema}: ${name} is applied but not in the migrations folder (older checkout?); ignored`);
  }
  return local.filter((m) => !appliedNames.has(m.name));
}
