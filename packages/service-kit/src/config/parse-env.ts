import { readFileSync } from 'node:fs';
import proxyAddr from 'proxy-addr';
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
  const result = schema.safeParse(withFileSecrets(env));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/**
 * The Docker secrets convention for the secret settings: `NAME_FILE=/path` stands for `NAME` set to that
 * file's content (trimmed), so a secret need not sit in the environment (the compose file generates its
 * credentials this way). `NAME` itself, when set, wins. A file that cannot be read stops the start-up.
 */
function withFileSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const name of SECRET_SETTINGS) {
    const path = env[`${name}_FILE`];
    if (!path || resolved[name]) continue;
    try {
      resolved[name] = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  ${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return resolved;
}

const commaSeparated = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

const list = (fallback: string) => z.string().default(fallback).transform(commaSeparated).pipe(z.array(z.string()).min(1));

/** Field builders for the env vars every service shares, with defaults that work on a developer machine. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  string: (fallback: string) => z.string().min(1).default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  /** Comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
  list,
  /**
   * The proxies whose X-Forwarded-For is believed: comma-separated addresses, subnets (CIDR) or the names
   * `loopback`, `linklocal`, `uniquelocal` (proxy-addr's forms, as Express takes them). Only the client
   * address a trusted proxy reports counts for per-address limits; anything else sees the proxy itself.
   */
  trustedProxies: (fallback: string) =>
    list(fallback).superRefine((entries, ctx) => {
      try {
        proxyAddr.compile(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      }
    }),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A Postgres schema name: kept to plain identifiers so it can be quoted safely into search_path. */
  pgSchema: (fallback: string) => z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').default(fallback),
};

/**
 * `AUTH_MODE`, one spelling on every service. `dev` is asked for explicitly (`npm start`, the tests, the
 * load test): development credentials (the internal tokens below default to published values) and, on
 * the gateway, the body's `userId` trusted as sent. Anything else (`jwt`, the default) fails closed: every
 * credential must be set, to a value that is not a published sample. Production never runs `dev`.
 */
export const AUTH_MODES = ['jwt', 'dev'] as const;

/** Settings every service has; a service extends this object with its own fields. */
export function baseEnvSchema(defaultPort: number) {
  return z.object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: env.string('127.0.0.1'),
    PORT: env.port(defaultPort),
    LOG_LEVEL: env.logLevel(),
    SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100),
    AUTH_MODE: z.enum(AUTH_MODES).default('jwt'),
  });
}

/**
 * Each service-to-service credential and its development value (used only with AUTH_MODE=dev). One per
 * caller, so a service can tell who calls it: booking's routes for payment refuse the gateway's.
 */
export const DEV_CREDENTIALS = {
  /** The gateway's credential, presented to booking and payment on the forwarded routes. */
  INTERNAL_TOKEN: 'dev-internal-token-change-me',
  /** Payment's credential, presented to booking's /internal routes (read, confirm, release a reservation). */
  PAYMENT_INTERNAL_TOKEN: 'dev-payment-internal-token-change-me',
  /** The operators' credential (`Authorization: Bearer`) for the public gateway's /metrics and readiness details. */
  OPS_TOKEN: 'dev-ops-token-change-me',
} as const;
export type CredentialName = keyof typeof DEV_CREDENTIALS;

/** The settings that hold secrets: each may also come from a file (NAME_FILE). */
const SECRET_SETTINGS = [...(Object.keys(DEV_CREDENTIALS) as CredentialName[]), 'AUTH_JWT_SECRET'] as const;

/**
 * Values published in this repository (the development defaults, and the samples earlier versions of the
 * compose file shipped): a credential outside AUTH_MODE=dev may not be one of them.
 */
const PUBLISHED_SAMPLES = new Set<string>([
  ...Object.values(DEV_CREDENTIALS),
  'compose-local-internal-token',
  'compose-local-jwt-secret-0123456789abcdef',
]);

/** True for a value anyone can read in this repository; such a value is never a real secret. */
export const isPublishedSample = (value: string): boolean => PUBLISHED_SAMPLES.has(value);

/** Connection settings, shared so that every service spells them the same way. */
export const connectionEnv = {
  /** The Postgres settings of a service that owns the schema `schema`. */
  database: (schema: string, defaults: { statementTimeoutMs?: number } = {}) => ({
    DATABASE_URL: env.url('postgresql://postgres@127.0.0.1:5432/ticketing'),
    DATABASE_SCHEMA: env.pgSchema(schema),
    DATABASE_POOL_SIZE: env.int(10, 1),
    /** Postgres cancels a statement of this service that runs longer (0: never): no query holds a pooled connection for long. */
    DATABASE_STATEMENT_TIMEOUT_MS: env.int(defaults.statementTimeoutMs ?? 30_000, 0),
  }),
  REDIS_URL: () => env.url('redis://127.0.0.1:6380'),
  /** Seed nodes of a Redis Cluster (`host:port,…`); when set, the service uses the cluster instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: () =>
    z
      .string()
      .default('')
      .transform(commaSeparated)
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port'))),
  KAFKA_BROKERS: () => env.list('127.0.0.1:9092'),
  /** A service-to-service credential (see DEV_CREDENTIALS); required unless AUTH_MODE=dev. */
  credential: () => z.string().min(16, 'must be at least 16 characters').optional(),
};

type Credentials<N extends CredentialName> = { [K in N]?: string };

/**
 * Finishes a service's config schema: refuses what would fail open, then fills the development
 * credentials in AUTH_MODE=dev. Outside `dev` each named credential must be set and not a published
 * sample; `dev` is refused with NODE_ENV=production.
 */
export function withCredentials<S extends z.ZodType<{ NODE_ENV: string; AUTH_MODE: string } & Credentials<N>>, N extends CredentialName>(schema: S, names: readonly N[]) {
  return schema
    .superRefine((config, ctx) => {
      if (config.AUTH_MODE === 'dev') {
        if (config.NODE_ENV === 'production') {
          ctx.addIssue({ code: 'custom', path: ['AUTH_MODE'], message: 'must not be dev when NODE_ENV=production (dev trusts published credentials)' });
        }
        return;
      }
      for (const name of names) {
        const value = config[name];
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: `is required (a secret of your own; AUTH_MODE=dev uses a development value for local runs)` });
        } else if (isPublishedSample(value)) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'is a sample value published in this repository; set a secret of your own' });
        }
      }
    })
    .transform((config) => {
      const filled = { ...config } as z.output<S> & { [K in N]: string };
      for (const name of names) (filled as Record<string, unknown>)[name] ??= DEV_CREDENTIALS[name];
      return filled;
    });
}
