import { diffMigrationsToSchema } from './diff';

export interface CheckOptions {
  /** Used only for a throwaway schema to replay the committed migrations in. */
  databaseUrl: string;
  schemaPath: string;
  migrationsDir: string;
}

export interface CheckResult {
  inSync: boolean;
  /** What schema.prisma has that the migrations lack, in the engine's words ("[+] Added tables", "  - seats"). */
  changes: string[];
  /** The SQL a new migration would need. */
  missingSql: string;
}

/**
 * Whether the committed migrations produce exactly what schema.prisma describes — i.e. someone changed the
 * schema without `prisma-migrate new`. This is Prisma's own `migrate diff --from-migrations --to-schema
 * --exit-code`: the committed SQL really runs (in a throwaway schema, so a migration that fails to apply
 * fails the check too) and Prisma's describer and differ compare the outcome. It never looks at the
 * service's live schema.
 */
export async function checkMigrations(options: CheckOptions): Promise<CheckResult> {
  const diff = await diffMigrationsToSchema(options);
  return { inSync: diff.empty, changes: diff.changes, missingSql: diff.script };
}
