import { basename, join, resolve } from 'node:path';

export interface ServiceLayout {
  /** The Postgres schema the service owns: its directory name with '-' → '_' (services/queue-gateway → queue_gateway). */
  schema: string;
  schemaPath: string;
  migrationsDir: string;
}

/**
 * Where a service keeps its Prisma files, by the same convention as each service's DATABASE_SCHEMA.
 * Derived from the directory only, never from an env var, so one shell setting cannot route one
 * service's migrations into another's schema.
 */
export function serviceLayout(serviceDir: string): ServiceLayout {
  const dir = resolve(serviceDir);
  return {
    schema: basename(dir).replace(/-/g, '_'),
    schemaPath: join(dir, 'prisma', 'schema.prisma'),
    migrationsDir: join(dir, 'prisma', 'migrations'),
  };
}
