/** The database every service shares locally; each service owns one schema in it. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ticketing';

export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/**
 * `?schema=` is a Prisma URL convention that `pg` does not understand, so it is dropped before
 * connecting: the schema is always passed explicitly and applied through `search_path`.
 */
export function withoutSchemaParam(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  return url.toString();
}

/** Only plain lower-case identifiers, so a schema name can never smuggle SQL into the statements built from it. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`"${schema}" is not a valid schema name (lower-case letters, digits and '_' only)`);
  }
  return `"${schema}"`;
}
