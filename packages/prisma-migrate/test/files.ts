import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SERVICES = ['booking', 'payment', 'queue-gateway', 'dataplatform-sink'] as const;
export const servicesRoot = resolve(__dirname, '../../../services');

const made: string[] = [];

/** An empty migrations folder of its own, removed by `removeTempDirs`. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `prisma-migrate-${label}-`));
  made.push(dir);
  return dir;
}

/** A copy of a service's prisma/ folder to change freely; returns the paths the API takes. */
export function copyOfService(service: (typeof SERVICES)[number]) {
  const dir = tempDir(service);
  cpSync(join(servicesRoot, service, 'prisma'), join(dir, 'prisma'), { recursive: true });
  return { schemaPath: join(dir, 'prisma', 'schema.prisma'), migrationsDir: join(dir, 'prisma', 'migrations') };
}

export function writeMigration(migrationsDir: string, name: string, sql: string): string {
  const file = join(migrationsDir, name, 'migration.sql');
  mkdirSync(join(migrationsDir, name), { recursive: true });
  writeFileSync(file, sql, 'utf8');
  return file;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
