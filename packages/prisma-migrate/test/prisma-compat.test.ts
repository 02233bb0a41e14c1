import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deployMigrations, serviceLayout } from '../src';
import { bindForEngine, scratchAdapterFactory } from '../src/engine-adapter';
import { readLockfile, readMigrations } from '../src/migrations-dir';
import { loadSchemaEngineModule, type SchemaEngine } from '../src/wasm-engine';
import { databaseUrl, dropSchemas, ensureDatabase, history, randomSchema, sql } from './db';
import { servicesRoot } from './files';

const NO_FILTER = { externalTables: [], externalEnums: [] };

/** Prisma's own schema engine (the WASM build of the native one), connected to `schema`. */
async function withPrismaEngine<T>(schema: string, work: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { schemaPath } = serviceLayout(join(servicesRoot, 'booking'));
  const adapters = scratchAdapterFactory(databaseUrl, schema, schema);
  const engine = await loadSchemaEngineModule().SchemaEngine.new(
    { datamodels: [['schema.prisma', await readFile(schemaPath, 'utf8')]] },
    () => undefined,
    bindForEngine(adapters.factory),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    await adapters.close();
  }
}

async function migrationsListOf() {
  const { migrationsDir } = serviceLayout(join(servicesRoot, 'booking'));
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: await readLockfile(migrationsDir) },
    shadowDbInitScript: '',
    migrationDirectories: (await readMigrations(migrationsDir)).map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: m.script } },
    })),
  };
}

async function columnsOfHistoryTable(schema: string) {
  return sql(
    `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    [schema],
  );
}

describe('compatibility with Prisma\'s own migrate', () => {
  const schemas: string[] = [];
  beforeAll(ensureDatabase);
  afterAll(() => dropSchemas(schemas));

  it('deployMigrations — booking deployed by us — Prisma\'s engine finds the history complete and applies nothing', async () => {
    // Arrange
    const schema = randomSchema('compat');
    schemas.push(schema);
    const { migrationsDir } = serviceLayout(join(servicesRoot, 'booking'));
    await deployMigrations({ databaseUrl, schema, migrationsDir });
    const before = await history(schema);
    const migrationsList = await migrationsListOf();

    // Act
    const [diagnosis, applied] = await withPrismaEngine(schema, async (engine) => [
      await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER }),
      await engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
    ]);

    // Assert
    expect(diagnosis).toEqual({ editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
    expect(applied).toEqual({ appliedMigrationNames: [] });
    expect(await history(schema)).toEqual(before);
  });

  it('deployMigrations — the same migrations applied by Prisma\'s engine and by us — leave the same history table and rows', async () => {
    // Arrange
    const ours = randomSchema('ours');
    const theirs = randomSchema('theirs');
    schemas.push(ours, theirs);
    const { migrationsDir } = serviceLayout(join(servicesRoot, 'booking'));
    const migrationsList = await migrationsListOf();

    // Act
    await deployMigrations({ databaseUrl, schema: ours, migrationsDir });
    await withPrismaEngine(theirs, (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTER }));

    // Assert
    expect(await columnsOfHistoryTable(ours)).toEqual(await columnsOfHistoryTable(theirs));
    const shape = (rows: Awaited<ReturnType<typeof history>>) =>
      rows.map((r) => ({ ...r, id: typeof r.id, finished_at: r.finished_at !== null, started_at: r.started_at !== null }));
    expect(shape(await history(ours))).toEqual(shape(await history(theirs)));
  });
});
