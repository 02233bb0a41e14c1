import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { databaseUrlFromEnv } from './database-url';
import { diffMigrationsToSchema } from './diff';
import { MIGRATION_FILE, writeLockfileIfMissing } from './migrations-dir';

export interface CreateMigrationOptions {
  schemaPath: string;
  migrationsDir: string;
  /** Free text; becomes the folder's suffix the way Prisma slugs it ("Add seat index" → add_seat_index). */
  name: string;
  /** Used only for a throwaway schema to replay the committed migrations in (default: DATABASE_URL). */
  databaseUrl?: string;
  /** The folder's YYYYMMDDHHMMSS prefix; default now, in UTC, as Prisma does. */
  timestamp?: string;
  log?: (line: string) => void;
}

export type CreateMigrationResult =
  | { created: false }
  | { created: true; migrationName: string; path: string; changes: string[] };

/**
 * `prisma migrate dev --create-only` without the native engine: writes a new
 * `<timestamp>_<name>/migration.sql` holding the SQL that takes the committed migrations to schema.prisma,
 * plus migration_lock.toml if missing. Writes nothing when they already agree.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreateMigrationResult> {
  const { schemaPath, migrationsDir, log = () => undefined } = options;
  const slug = slugify(options.name);
  const timestamp = options.timestamp ?? utcTimestamp(new Date());
  if (!/^\d{14}$/.test(timestamp)) throw new Error(`timestamp "${timestamp}" is not YYYYMMDDHHMMSS`);

  const diff = await diffMigrationsToSchema({ databaseUrl: options.databaseUrl ?? databaseUrlFromEnv(), schemaPath, migrationsDir });
  if (diff.empty) {
    log(`no changes: the migrations in ${migrationsDir} already match ${schemaPath}; nothing written`);
    return { created: false };
  }

  const migrationName = `${timestamp}_${slug}`;
  const folder = join(migrationsDir, migrationName);
  if (existsSync(folder)) throw new Error(`${folder} already exists`);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, MIGRATION_FILE), diff.script, 'utf8');
  await writeLockfileIfMissing(migrationsDir);
  log(`wrote ${join(folder, MIGRATION_FILE)}\n${diff.changes.join('\n')}`);
  return { created: true, migrationName, path: folder, changes: diff.changes };
}

function slugify(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 200);
  if (!slug) throw new Error(`migration name "${name}" has no letters or digits`);
  return slug;
}

function utcTimestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}
