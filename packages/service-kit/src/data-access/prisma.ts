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
  /** Postgres cancels any statement of this pool that runs longer (0: no limit, the default). */
  statementTimeoutMs?: number;
}

/**
 * Builds a service's Prisma client on the pg driver adapter, pinned to its own schema.
 * The adapter ignores `?schema=` in the URL, so the schema is passed both as the session's search_path
 * (raw SQL) and as the adapter's schema option (generated queries).
 */
/** The pg pool a service's hot-path statements go through (see `sqlPoolOf`). */
export type SqlPool = pg.Pool;

const pools = new WeakMap<object, pg.Pool>();

/**
 * The pg pool under a client made by `createPrismaClient`: the hot paths send their one statement
 * straight through it (the same connections, schema and search_path as Prisma's), skipping Prisma's
 * query interpreter, which cost about a third of booking's and payment's CPU under load.
 */
export function sqlPoolOf(prisma: object): pg.Pool {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('this client was not made by createPrismaClient');
  return pool;
}

export function createPrismaClient<T>(Client: PrismaClientClass<T>, options: PrismaOptions): T {
  const url = new URL(options.databaseUrl);
  url.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    options: `-c search_path="${options.schema}"`,
    max: options.poolSize ?? 10,
    // Fail fast instead of queueing forever when Postgres is gone; the request gets a clean error.
    connectionTimeoutMillis: 5_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A session the server ends (pg_terminate_backend, a failover) makes its client emit 'error'; a
  // client the adapter holds between two queries of a transaction may have no listener then, and an
  // unhandled 'error' event kills the process (found by the Postgres fault test: payment died). The
  // failure itself still reaches whoever uses the client next, and the pool drops the dead client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const adapter = new PrismaPg(pool, { schema: options.schema, disposeExternalPool: true });
  const client = new Client({ adapter });
  pools.set(client as object, pool);
  return client;
}

/** Readiness: one round trip to Postgres through the service's own pool. */
export function prismaReadiness(prisma: { $queryRawUnsafe: (sql: string) => Promise<unknown> }): ReadinessCheck {
  return { name: 'postgres', check: () => prisma.$queryRawUnsafe('SELECT 1') };
}

/**
 * The Postgres SQLSTATE behind an error of pg, or of Prisma raised through the pg driver adapter (e.g. '55P03' lock
 * not available, '23505' unique violation), or undefined for anything else.
 */
export function postgresErrorCode(error: unknown): string | undefined {
  // Straight from pg (sqlPoolOf): the DatabaseError carries the SQLSTATE itself.
  if (error instanceof pg.DatabaseError) return error.code;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta;
  const code = meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === 'string' ? code : undefined;
}
