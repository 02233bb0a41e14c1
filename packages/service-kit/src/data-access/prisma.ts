import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { ReadinessCheck } from '../health/readiness';

/** The constructor shape every service's generated Prisma client has. */
export type PrismaClientClass<T> = new (options: { adapter: PrismaPg }) => T;

export interface PrismaOptions {
  databaseUrl: string;
  /** The service's own Postgres schema (booking, payment, …). */
  schema: string;
  /** Connections in this process's pool. */
  poolSize?: number;
}

/**
 * Builds a service's Prisma client on the pg driver adapter, pinned to its own schema.
 * The adapter ignores `?schema=` in the URL, so the schema is passed both as the session's search_path
 * (raw SQL) and as the adapter's schema option (generated queries).
 */
export function createPrismaClient<T>(Client: PrismaClientClass<T>, options: PrismaOptions): T {
  const url = new URL(options.databaseUrl);
  url.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    options: `-c search_path="${options.schema}"`,
    max: options.poolSize ?? 10,
    // Fail fast instead of queueing forever when Postgres is gone; the request gets a clean error.
    connectionTimeoutMillis: 5_000,
  });
  // A session the server ends (pg_terminate_backend, a failover) makes its client emit 'error'; a
  // client the adapter holds between two queries of a transaction may have no listener then, and an
  // unhandled 'error' event kills the process (found by the Postgres fault test: payment died). The
  // failure itself still reaches whoever uses the client next, and the pool drops the dead client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const adapter = new PrismaPg(pool, { schema: options.schema, disposeExternalPool: true });
  return new Client({ adapter });
}

/** Readiness: one round trip to Postgres through the service's own pool. */
export function prismaReadiness(prisma: { $queryRawUnsafe: (sql: string) => Promise<unknown> }): ReadinessCheck {
  return { name: 'postgres', check: () => prisma.$queryRawUnsafe('SELECT 1') };
}

/**
 * The Postgres SQLSTATE behind a Prisma error raised through the pg driver adapter (e.g. '55P03' lock
 * not available, '23505' unique violation), or undefined for anything else.
 */
export function postgresErrorCode(error: unknown): string | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' ? code : undefined;
}
