import { z } from 'zod';

/** Thrown at boot when the environment does not satisfy a service's schema; the message lists every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` once with a zod schema into a typed, frozen config object.
 * A bad value stops the service at boot with a readable list instead of failing later at first use.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** Field builders for the env vars every service shares, with defaults that work on a developer machine. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  /** Comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
      .pipe(z.array(z.string()).min(1)),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A Postgres schema name: kept to plain identifiers so it can be quoted safely into search_path. */
  pgSchema: (fallback: string) => z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').default(fallback),
};

/** Settings every service has; a service extends this object with its own fields. */
export function baseEnvSchema(defaultPort: number) {
  return z.object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: env.string('127.0.0.1'),
    PORT: env.port(defaultPort),
    LOG_LEVEL: env.logLevel(),
    SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100),
  });
}

/** Connection settings, shared so that every service spells them the same way. */
export const connectionEnv = {
  /** The Postgres settings of a service that owns the schema `schema`. */
  database: (schema: string) => ({
    DATABASE_URL: env.url('postgresql://postgres@127.0.0.1:5432/ticketing'),
    DATABASE_SCHEMA: env.pgSchema(schema),
    DATABASE_POOL_SIZE: env.int(10, 1),
  }),
  REDIS_URL: () => env.url('redis://127.0.0.1:6380'),
  KAFKA_BROKERS: () => env.list('127.0.0.1:9092'),
  INTERNAL_TOKEN: () => z.string().min(16, 'must be at least 16 characters').default(DEV_INTERNAL_TOKEN),
};

const DEV_INTERNAL_TOKEN = 'dev-internal-token-change-me';

/**
 * Cross-field rule for `superRefine`: the development default of a secret must never reach production,
 * where a guessable credential would let anyone call the internal routes.
 */
export function rejectDevSecretsInProduction(config: { NODE_ENV: string; INTERNAL_TOKEN?: string }, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV === 'production' && config.INTERNAL_TOKEN === DEV_INTERNAL_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['INTERNAL_TOKEN'], message: 'must be set explicitly when NODE_ENV=production' });
  }
}
