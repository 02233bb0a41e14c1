import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { quoteSchema, withoutSchemaParam } from './database-url';

/** Recognisable names, so a leftover from a killed run is obviously safe to drop. */
export const SCRATCH_PREFIX = 'prisma_migrate_scratch_';

/**
 * Creates `count` empty schemas with random names, runs `work` with them and drops them whatever happens.
 * Schemas rather than databases: no CREATE DATABASE right is needed and nothing outlives the call.
 * `empty(schema)` gives `work` a way to start one of them over.
 */
export async function withScratchSchemas<T>(
  databaseUrl: string,
  count: number,
  work: (schemas: string[], empty: (schema: string) => Promise<void>) => Promise<T>,
): Promise<T> {
  const schemas = Array.from({ length: count }, () => `${SCRATCH_PREFIX}${randomBytes(6).toString('hex')}`);
  const admin = new Client({ connectionString: withoutSchemaParam(databaseUrl), application_name: 'prisma-migrate' });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`CREATE SCHEMA ${quoteSchema(schema)}`);
    const empty = async (schema: string) => {
      await admin.query(`DROP SCHEMA ${quoteSchema(schema)} CASCADE; CREATE SCHEMA ${quoteSchema(schema)}`);
    };
    return await work(schemas, empty);
  } finally {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}
