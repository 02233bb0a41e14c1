export { deployMigrations, type DeployOptions } from './deploy';
export { createMigration, type CreateMigrationOptions, type CreateMigrationResult } from './create-migration';
export { checkMigrations, type CheckOptions, type CheckResult } from './check-migrations';
export { diffMigrationsToSchema, type DiffOptions, type SchemaDiff } from './diff';
export { serviceLayout, type ServiceLayout } from './service-layout';
export { DEFAULT_DATABASE_URL, databaseUrlFromEnv } from './database-url';
export { MIGRATIONS_TABLE_DDL } from './migrations-table';
export { PRISMA_MIGRATE_LOCK_KEY } from './advisory-lock';
