import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { deployMigrations } from '../src';
import { databaseUrl, dropSchemas, ensureDatabase, history, randomSchema, schemaExists, sql, tableNames } from './db';
import { removeTempDirs, tempDir, writeMigration } from './files';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CREATE_A = 'CREATE TABLE "a" ("id" INTEGER PRIMARY KEY);\n';
const CREATE_B = 'CREATE TABLE "b" ("id" INTEGER PRIMARY KEY, "a_id" INTEGER REFERENCES "a"("id"));\n';

describe('deployMigrations', () => {
  const schemas: string[] = [];
  const newSchema = (label: string) => {
    const schema = randomSchema(label);
    schemas.push(schema);
    return schema;
  };

  beforeAll(ensureDatabase);
  afterAll(async () => {
    await dropSchemas(schemas);
    removeTempDirs();
  });

  it('deployMigrations — two pending migrations and no schema yet — creates the schema, applies both in order and records them as Prisma does', async () => {
    // Arrange
    const schema = newSchema('fresh');
    const migrationsDir = tempDir('fresh');
    writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    writeMigration(migrationsDir, '20260102000000_b', CREATE_B);

    // Act
    const applied = await deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    expect(applied).toEqual(['20260101000000_a', '20260102000000_b']);
    expect(await tableNames(schema)).toEqual(['_prisma_migrations', 'a', 'b']);
    const rows = await history(schema);
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count, r.logs, r.rolled_back_at])).toEqual([
      ['20260101000000_a', sha256(CREATE_A), 1, null, null],
      ['20260102000000_b', sha256(CREATE_B), 1, null, null],
    ]);
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it('deployMigrations — everything already applied — applies nothing and leaves the history as it was', async () => {
    // Arrange
    const schema = newSchema('noop');
    const migrationsDir = tempDir('noop');
    writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    await deployMigrations({ databaseUrl, schema, migrationsDir });
    const before = await history(schema);

    // Act
    const applied = await deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    expect(applied).toEqual([]);
    expect(await history(schema)).toEqual(before);
  });

  it('deployMigrations — a new migration after earlier deploys — applies only the new one', async () => {
    // Arrange
    const schema = newSchema('incr');
    const migrationsDir = tempDir('incr');
    writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    await deployMigrations({ databaseUrl, schema, migrationsDir });
    writeMigration(migrationsDir, '20260102000000_b', CREATE_B);

    // Act
    const applied = await deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    expect(applied).toEqual(['20260102000000_b']);
    expect((await history(schema)).map((r) => r.migration_name)).toEqual(['20260101000000_a', '20260102000000_b']);
  });

  it('deployMigrations — two deployers start at once — each migration is applied and recorded exactly once', async () => {
    // Arrange: the sleep keeps the first deployer inside its migration while the second one arrives.
    const schema = newSchema('race');
    const migrationsDir = tempDir('race');
    writeMigration(migrationsDir, '20260101000000_a', `SELECT pg_sleep(0.5);\n${CREATE_A}`);
    writeMigration(migrationsDir, '20260102000000_b', CREATE_B);

    // Act
    const results = await Promise.all([
      deployMigrations({ databaseUrl, schema, migrationsDir }),
      deployMigrations({ databaseUrl, schema, migrationsDir }),
    ]);

    // Assert
    expect(results.flat().sort()).toEqual(['20260101000000_a', '20260102000000_b']);
    expect(results.some((names) => names.length === 0)).toBe(true);
    expect((await history(schema)).map((r) => r.migration_name)).toEqual(['20260101000000_a', '20260102000000_b']);
  });

  it('deployMigrations — an applied migration was edited afterwards — refuses and applies nothing more', async () => {
    // Arrange
    const schema = newSchema('edited');
    const migrationsDir = tempDir('edited');
    const fileA = writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    await deployMigrations({ databaseUrl, schema, migrationsDir });
    appendFileSync(fileA, 'ALTER TABLE "a" ADD COLUMN "late" TEXT;\n');
    writeMigration(migrationsDir, '20260102000000_b', CREATE_B);

    // Act
    const deploying = deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    await expect(deploying).rejects.toThrow(/edited after they ran[\s\S]*20260101000000_a/);
    expect(await tableNames(schema)).toEqual(['_prisma_migrations', 'a']);
    expect((await history(schema)).map((r) => r.migration_name)).toEqual(['20260101000000_a']);
  });

  it('deployMigrations — the history holds a failed migration — refuses and applies nothing', async () => {
    // Arrange: the row `prisma migrate deploy` leaves when a migration fails half-way.
    const schema = newSchema('failed');
    const migrationsDir = tempDir('failed');
    writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    await deployMigrations({ databaseUrl, schema, migrationsDir });
    await sql(
      `INSERT INTO "${schema}"._prisma_migrations (id, checksum, migration_name, logs) VALUES (gen_random_uuid(), 'x', '20260101500000_broken', 'boom')`,
    );
    writeMigration(migrationsDir, '20260102000000_b', CREATE_B);

    // Act
    const deploying = deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    await expect(deploying).rejects.toThrow(/failed migrations[\s\S]*20260101500000_broken/);
    expect(await tableNames(schema)).toEqual(['_prisma_migrations', 'a']);
  });

  it('deployMigrations — the second migration fails half-way — keeps the first, rolls the second back whole and records nothing for it', async () => {
    // Arrange
    const schema = newSchema('broken');
    const migrationsDir = tempDir('broken');
    writeMigration(migrationsDir, '20260101000000_a', CREATE_A);
    writeMigration(migrationsDir, '20260102000000_b', `${CREATE_B}\nINSERT INTO "missing" VALUES (1);\n`);

    // Act
    const deploying = deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    await expect(deploying).rejects.toThrow(/20260102000000_b\/migration\.sql line 3 failed.*"missing"/);
    expect(await tableNames(schema)).toEqual(['_prisma_migrations', 'a']);
    expect((await history(schema)).map((r) => r.migration_name)).toEqual(['20260101000000_a']);
  });

  it('deployMigrations — migrations with unqualified names — puts every object in the given schema and none in public', async () => {
    // Arrange
    const schema = newSchema('scoped');
    const migrationsDir = tempDir('scoped');
    writeMigration(migrationsDir, '20260101000000_a', `CREATE TYPE "Mood" AS ENUM ('OK');\n${CREATE_A}`);

    // Act
    await deployMigrations({ databaseUrl, schema, migrationsDir });

    // Assert
    expect(await schemaExists(schema)).toBe(true);
    const types = await sql<{ nspname: string }>(
      `SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = 'Mood'`,
    );
    expect(types.map((t) => t.nspname)).toContain(schema);
    expect(types.map((t) => t.nspname)).not.toContain('public');
  });
});
