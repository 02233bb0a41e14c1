import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolClient, type QueryResult } from 'pg';
import { quoteSchema, withoutSchemaParam } from './database-url';

const PG_CHAR_OID = 18; // the one-byte internal "char" type
const PG_TEXT_OID = 25;

type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;

/**
 * A driver-adapter factory for the WASM schema engine whose main and shadow connections both stay inside
 * throwaway schemas that the caller created (and drops). The stock `PrismaPg.connectToShadowDb()` creates
 * a whole database per call and may leave it behind; here nothing outside the given schemas is touched.
 */
export function scratchAdapterFactory(databaseUrl: string, mainSchema: string, shadowSchema: string) {
  const pools: Pool[] = [];
  const adapterErrors: string[] = [];

  const connectTo = (schema: string) => async (): Promise<Adapter> => {
    const pool = new Pool({
      connectionString: withoutSchemaParam(databaseUrl),
      // The engine writes unqualified names; search_path points them at the scratch schema, and
      // `schema` tells the engine which namespace to describe.
      options: `-c search_path=${quoteSchema(schema)}`,
      max: 2,
      application_name: 'prisma-migrate-engine',
    });
    pool.on('connect', reportCharAsText);
    pools.push(pool);
    const adapter = await new PrismaPg(pool, { schema }).connect();
    // The stock executeScript splits on every ';' (breaking `DO $$ … $$` bodies and ';' inside strings).
    // A query without parameters goes over the simple protocol, which takes a whole multi-statement script.
    adapter.executeScript = async (script: string) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    return recordErrors(adapter, adapterErrors);
  };

  return {
    factory: { provider: 'postgres' as const, adapterName: '@prisma/adapter-pg', connect: connectTo(mainSchema), connectToShadowDb: connectTo(shadowSchema) },
    /** What the database said, for errors the engine only reports as "external connector error". */
    adapterErrors,
    /** Ends every pool; the engine's own dispose calls do not, and idle pools keep the process alive ~10 s. */
    close: async () => {
      await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
    },
  };
}

/**
 * The engine's catalogue queries return `"char"` columns (pg_constraint.contype, …), which @prisma/adapter-pg
 * rejects as an unsupported type. Their text form is the character itself, so we re-label them as text.
 */
function reportCharAsText(client: PoolClient): void {
  const relabel = (result: unknown): unknown => {
    for (const single of Array.isArray(result) ? result : [result]) {
      for (const field of (single as QueryResult | undefined)?.fields ?? []) {
        if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
      }
    }
    return result;
  };
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') {
      return query(...args.slice(0, -1), (error: unknown, result: unknown) => callback(error, error ? result : relabel(result)));
    }
    const returned = query(...args);
    return returned instanceof Promise ? returned.then(relabel) : returned;
  };
}

function recordErrors(adapter: Adapter, sink: string[]): Adapter {
  for (const method of ['queryRaw', 'executeRaw', 'executeScript'] as const) {
    const original = adapter[method].bind(adapter) as (arg: never) => Promise<unknown>;
    (adapter as unknown as Record<string, unknown>)[method] = async (arg: never) => {
      try {
        return await original(arg);
      } catch (error) {
        const cause = (error as { cause?: { message?: string; originalMessage?: string } }).cause;
        sink.push(cause?.originalMessage ?? cause?.message ?? (error as Error).message);
        throw error;
      }
    };
  }
  return adapter;
}

/**
 * The engine expects the factory wrapped by the driver-adapter binder that belongs to the adapter's own
 * version, so we load it through @prisma/adapter-pg's resolution rather than depending on it directly.
 */
export function bindForEngine(factory: ReturnType<typeof scratchAdapterFactory>['factory']): object {
  const fromAdapter = createRequire(require.resolve('@prisma/adapter-pg'));
  const utils = fromAdapter('@prisma/driver-adapter-utils') as { bindMigrationAwareSqlAdapterFactory(f: object): object };
  return utils.bindMigrationAwareSqlAdapterFactory(factory);
}
