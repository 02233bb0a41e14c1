import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMigrations, serviceLayout } from '../src';
import { databaseUrl, ensureDatabase } from './db';
import { SERVICES, copyOfService, removeTempDirs, servicesRoot, writeMigration } from './files';

describe('checkMigrations', () => {
  beforeAll(ensureDatabase);
  afterAll(removeTempDirs);

  it.each(SERVICES)('checkMigrations — the committed %s service — finds schema.prisma and its migrations in sync', async (service) => {
    // Arrange
    const { schemaPath, migrationsDir } = serviceLayout(join(servicesRoot, service));

    // Act
    const result = await checkMigrations({ databaseUrl, schemaPath, migrationsDir });

    // Assert
    expect(result).toEqual({ inSync: true, changes: [], missingSql: '' });
  });

  it('checkMigrations — schema.prisma gained a field and an index no migration holds — fails and names both', async () => {
    // Arrange
    const { schemaPath, migrationsDir } = copyOfService('booking');
    const schema = readFileSync(schemaPath, 'utf8').replace(
      '  venue     String\n',
      '  venue     String\n  genre     String?\n\n  @@index([artist])\n',
    );
    writeFileSync(schemaPath, schema);

    // Act
    const result = await checkMigrations({ databaseUrl, schemaPath, migrationsDir });

    // Assert
    expect(result.inSync).toBe(false);
    expect(result.changes).toEqual(['[*] Changed the `concerts` table', '  [+] Added column `genre`', '  [+] Added index on columns (artist)']);
    expect(result.missingSql).toContain('ALTER TABLE "concerts" ADD COLUMN     "genre" TEXT;');
  });

  it('checkMigrations — a migration holds a table schema.prisma does not describe — fails and names it', async () => {
    // Arrange
    const { schemaPath, migrationsDir } = copyOfService('payment');
    writeMigration(migrationsDir, '20991231000000_stray', 'CREATE TABLE "stray" ("id" INTEGER PRIMARY KEY);\n');

    // Act
    const result = await checkMigrations({ databaseUrl, schemaPath, migrationsDir });

    // Assert
    expect(result.inSync).toBe(false);
    expect(result.changes).toEqual(['[-] Removed tables', '  - stray']);
  });

  it('checkMigrations — a committed migration does not run — fails with what the database said', async () => {
    // Arrange
    const { schemaPath, migrationsDir } = copyOfService('payment');
    writeMigration(migrationsDir, '20991231000000_bad', 'ALTER TABLE "nowhere" ADD COLUMN "x" INTEGER;\n');

    // Act
    const checking = checkMigrations({ databaseUrl, schemaPath, migrationsDir });

    // Assert
    await expect(checking).rejects.toThrow(/relation "nowhere" does not exist/);
  });
});
