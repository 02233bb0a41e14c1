import { serviceLayout } from './service-layout';
import { DEFAULT_DATABASE_URL } from './database-url';

/**
 * The body of every service's prisma.config.ts (`export default defineConfig(servicePrismaConfig(__dirname))`),
 * kept here once. Loaded by the Prisma CLI, so it imports nothing heavy.
 */
export function servicePrismaConfig(serviceDir: string) {
  const layout = serviceLayout(serviceDir);
  // `prisma generate` never runs the schema engine, but without this variable the CLI tries to download
  // it and fails offline. Any existing file will do; a non-executable one makes the `prisma migrate *`
  // commands fail at once (EACCES) instead of running something else. Migrations go through this
  // package. Whoever has the real engine binary sets the variable and wins.
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= layout.schemaPath;
  // Prisma 7 keeps the URL out of schema.prisma. `?schema=` is ignored by @prisma/adapter-pg (the app
  // passes the schema to PrismaPg itself) but steers the native engine, should anyone use it.
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  if (!url.searchParams.has('schema')) url.searchParams.set('schema', process.env.DATABASE_SCHEMA ?? layout.schema);
  return {
    schema: layout.schemaPath,
    migrations: { path: layout.migrationsDir },
    datasource: { url: url.toString() },
  };
}
