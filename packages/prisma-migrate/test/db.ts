import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrlFromEnv, withoutSchemaParam } from '../src/database-url';

/** The database the suite runs in: DATABASE_URL (the root `npm test` points it at ticketing_test). */
export const databaseUrl = withoutSchemaParam(databaseUrlFromEnv());

/** A fresh machine may not have the database yet; several workers may race to create it. */
export async function ensureDatabase(): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error; // created meanwhile by another worker
      });
    }
  } finally {
    await admin.end();
  }
}

export function randomSchema(label: string): string {
  return `pm_test_${label}_${randomBytes(4).toString('hex')}`;
}

export async function sql<T extends object = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchemas(schemas: string[]): Promise<void> {
  for (const schema of schemas) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export async function tableNames(schema: string): Promise<string[]> {
  const rows = await sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

export async function schemaExists(schema: string): Promise<boolean> {
  return (await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).length > 0;
}

export interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export async function history(schema: string): Promise<HistoryRow[]> {
  return sql<HistoryRow>(`SELECT * FROM "${schema}"._prisma_migrations ORDER BY started_at, migration_name`);
}
