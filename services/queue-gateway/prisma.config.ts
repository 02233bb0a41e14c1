import path from 'node:path';
import { defineConfig } from 'prisma/config';

// This service's Postgres schema; every service shares one database and owns one schema.
const schema = process.env.DATABASE_SCHEMA ?? 'queue_gateway';

// `prisma generate` never runs the schema engine, but without this variable the CLI tries to download
// it and fails offline. Any existing file will do; a non-executable one makes the `prisma migrate *`
// commands fail at once (EACCES) instead of running something else. Migrations go through
// @ticketing/prisma-migrate. Whoever has the real engine binary sets the variable and wins.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'prisma', 'schema.prisma');

// Prisma 7 keeps the URL out of schema.prisma. `?schema=` is ignored by @prisma/adapter-pg (the app
// passes the schema to PrismaPg itself) but steers the native engine, should anyone use it.
function databaseUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing');
  if (!url.searchParams.has('schema')) url.searchParams.set('schema', schema);
  return url.toString();
}

export default defineConfig({
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  datasource: { url: databaseUrl() },
});
