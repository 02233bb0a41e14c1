import { checkMigrations } from './check-migrations';
import { createMigration } from './create-migration';
import { databaseUrlFromEnv } from './database-url';
import { deployMigrations } from './deploy';
import { serviceLayout } from './service-layout';

const USAGE = `usage:
  prisma-migrate deploy <serviceDir>...      apply pending migrations (like prisma migrate deploy)
  prisma-migrate check <serviceDir>...       fail when schema.prisma and the committed migrations disagree
  prisma-migrate new <serviceDir> <name>     write a migration for what schema.prisma adds
env: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/ticketing); the schema is the service
directory's name with '-' → '_'.`;

// Progress on stderr, results on stdout, so scripts can read the latter.
const log = (line: string) => process.stderr.write(`[prisma-migrate] ${line}\n`);

async function main([command, ...args]: string[]): Promise<number> {
  const databaseUrl = databaseUrlFromEnv();
  switch (command) {
    case 'deploy': {
      if (args.length === 0) break;
      for (const dir of args) {
        const { schema, migrationsDir } = serviceLayout(dir);
        const started = Date.now();
        const applied = await deployMigrations({ databaseUrl, schema, migrationsDir, log });
        process.stdout.write(`${schema}: ${applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply'} (${Date.now() - started} ms)\n`);
      }
      return 0;
    }
    case 'check': {
      if (args.length === 0) break;
      let failures = 0;
      for (const dir of args) {
        const { schema, schemaPath, migrationsDir } = serviceLayout(dir);
        const result = await checkMigrations({ databaseUrl, schemaPath, migrationsDir });
        if (result.inSync) {
          process.stdout.write(`${schema}: migrations match schema.prisma\n`);
        } else {
          failures += 1;
          process.stdout.write(
            `${schema}: schema.prisma has changes no migration holds; run \`prisma-migrate new ${dir} <name>\`\n` +
              `${result.changes.map((c) => `  ${c}`).join('\n')}\n`,
          );
        }
      }
      return failures === 0 ? 0 : 1;
    }
    case 'new': {
      const [dir, ...words] = args;
      if (!dir || words.length === 0) break;
      const { schemaPath, migrationsDir } = serviceLayout(dir);
      const result = await createMigration({ databaseUrl, schemaPath, migrationsDir, name: words.join(' '), log });
      process.stdout.write(result.created ? `${result.path}\n` : 'no changes; nothing written\n');
      return 0;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
