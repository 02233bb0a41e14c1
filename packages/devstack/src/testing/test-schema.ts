import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { deployMigrations } from '@ticketing/prisma-migrate';

export interface TestSchema {
  databaseUrl: string;
  schema: string;
  drop: () => Promise<void>;
}

/**
 * A throwaway Postgres schema holding a service's tables, migrated from its committed migrations, so a
 * test file owns its data and never touches another's (or the schema `npm start` uses).
 */
export async function createTestSchema(serviceDir: string, label: string): Promise<TestSchema> {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test';
  const schema = `t_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await deployMigrations({ databaseUrl, schema, migrationsDir: join(serviceDir, 'prisma/migrations') });
  return {
    databaseUrl,
    schema,
    drop: async () => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
