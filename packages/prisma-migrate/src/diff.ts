import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { withSchemaEngine } from './engine-session';
import { LOCKFILE_CONTENT, assertPostgresLockfile, readLockfile, readMigrations } from './migrations-dir';

export interface DiffOptions {
  databaseUrl: string;
  schemaPath: string;
  migrationsDir: string;
}

export interface SchemaDiff {
  /** True when replaying the committed migrations already yields what schema.prisma describes. */
  empty: boolean;
  /** The SQL that takes the committed migrations to schema.prisma. */
  script: string;
  /** The engine's human-readable list of changes ("[+] Added tables", …), one per line. */
  changes: string[];
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

/**
 * Prisma's `migrate diff --from-migrations --to-schema`: the engine replays the committed migrations in a
 * throwaway schema (its "shadow"), describes the result, and diffs it against schema.prisma.
 */
export async function diffMigrationsToSchema({ databaseUrl, schemaPath, migrationsDir }: DiffOptions): Promise<SchemaDiff> {
  const schemaFile = { path: basename(schemaPath), content: await readFile(schemaPath, 'utf8') };
  const lockfile = await readLockfile(migrationsDir);
  assertPostgresLockfile(lockfile, migrationsDir);
  const migrations = await readMigrations(migrationsDir);
  const from = {
    tag: 'migrations' as const,
    baseDir: migrationsDir,
    // The engine wants the provider from the lockfile; a first migration has none yet, and we are about to write it.
    lockfile: { path: 'migration_lock.toml', content: lockfile ?? LOCKFILE_CONTENT },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: m.script } },
    })),
  };
  const to = { tag: 'schemaDatamodel' as const, files: [schemaFile] };

  return withSchemaEngine(databaseUrl, [schemaFile], async (engine, emptyShadow) => {
    const summary = await engine.diff({ from, to, script: false, exitCode: true, filters: NO_FILTER });
    // exitCode 2 is the engine's "the two sides differ", as in `prisma migrate diff --exit-code`.
    if (summary.exitCode !== 2) return { empty: true, script: '', changes: [] };
    await emptyShadow();
    const script = await engine.diff({ from, to, script: true, exitCode: null, filters: NO_FILTER });
    return {
      empty: false,
      script: script.stdout ?? '',
      changes: (summary.stdout ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== ''),
    };
  });
}
