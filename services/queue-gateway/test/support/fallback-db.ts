import { join } from 'node:path';
import { createTestSchema } from '@ticketing/devstack/testing';
import { createPrismaClient } from '@ticketing/service-kit';
import { PrismaClient } from '../../src/data-access/generated/prisma/client';

/** The database the suite runs in (the root `npm test` points DATABASE_URL at ticketing_test). */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test';

export interface FallbackDb {
  schema: string;
  prisma: PrismaClient;
  /** A client of the same schema through another URL (e.g. a TCP proxy a test can cut), or with its own pool settings. */
  clientAt: (url: string, pool?: { poolSize?: number; statementTimeoutMs?: number }) => PrismaClient;
  databaseUrl: string;
  drop: () => Promise<void>;
}

/**
 * A throwaway copy of the gateway's schema (devstack's createTestSchema: migrated from the committed
 * migrations), so each test file owns its `queue_tokens` table and nothing shared is touched.
 */
export async function createFallbackDb(label: string): Promise<FallbackDb> {
  const testSchema = await createTestSchema(join(__dirname, '../..'), `qg_${label}`);
  const clients: PrismaClient[] = [];
  const clientAt = (url: string, pool: { poolSize?: number; statementTimeoutMs?: number } = {}) => {
    const client = createPrismaClient(PrismaClient, { databaseUrl: url, schema: testSchema.schema, poolSize: 4, ...pool });
    clients.push(client);
    return client;
  };
  return {
    schema: testSchema.schema,
    databaseUrl: testSchema.databaseUrl,
    prisma: clientAt(testSchema.databaseUrl),
    clientAt,
    drop: async () => {
      await Promise.all(clients.map((client) => client.$disconnect()));
      await testSchema.drop();
    },
  };
}
