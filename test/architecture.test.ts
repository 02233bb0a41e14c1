import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

/**
 * The rooms of every service (docs/ARCHITECTURE.md): domain code holds the rules and knows no
 * infrastructure (not even through service-kit's barrel, which re-exports express, ioredis, kafkajs and
 * Prisma: the domain takes `@ticketing/service-kit/errors`); only data-access talks to Prisma, Redis or
 * Postgres, while Kafka consumers and BullMQ workers (entry points that receive messages and jobs) may
 * also use their client; services never import each other. Tests declare what they borrow: another
 * workspace's code only through its `testing` entry (`@ticketing/booking/testing`), never its folders.
 */
const root = join(__dirname, '..');
const services = readdirSync(join(root, 'services'));
const INFRASTRUCTURE = /^(express|@prisma\/[\w-]+|ioredis|kafkajs|bullmq|opossum|pg)(\/|$)/;
const DATA_ACCESS_ONLY = /^(@prisma\/[\w-]+|ioredis|kafkajs|bullmq|pg)(\/|$)/;
/** Entry points that receive from a client library may import that library. */
const ENTRY_POINT_CLIENTS: Record<string, RegExp> = { 'entry-points/kafka/': /^kafkajs(\/|$)/, 'entry-points/jobs/': /^bullmq(\/|$)/ };
const allowedInEntryPoint = (file: string, spec: string) =>
  Object.entries(ENTRY_POINT_CLIENTS).some(([dir, lib]) => file.startsWith(dir) && lib.test(spec));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
}

const violations = (check: (file: string, specifier: string) => boolean) =>
  services.flatMap((service) =>
    sourceFiles(join(root, 'services', service, 'src')).flatMap((file) =>
      imports(file)
        .filter((specifier) => check(relative(join(root, 'services', service, 'src'), file), specifier))
        .map((specifier) => `${service}/src/${relative(join(root, 'services', service, 'src'), file)} imports ${specifier}`),
    ),
  );

/** Every test file of a service (`services/<name>/test`), or of the whole platform (`test/`). */
const testFiles = () => [
  ...services.flatMap((service) => sourceFiles(join(root, 'services', service, 'test')).map((file) => ({ owner: service, file }))),
  ...sourceFiles(join(root, 'test')).map((file) => ({ owner: undefined, file })),
];

/** A relative import that lands in another service's folder (or, for platform tests, in a service's data-access or tests). */
function borrowsByPath(owner: string | undefined, file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = relative(root, join(file, '..', specifier));
  const [top, service, folder, sub] = target.split('/');
  if (top !== 'services' || service === undefined) return false;
  if (owner !== undefined) return service !== owner;
  return folder === 'test' || (folder === 'src' && sub === 'data-access');
}

describe('service architecture', () => {
  it('when domain code imports, then never infrastructure, data-access or entry-points', () => {
    const found = violations((file, spec) => file.startsWith('domain/') && (INFRASTRUCTURE.test(spec) || /(data-access|entry-points)/.test(spec)));

    expect(found).toEqual([]);
  });

  it('when code outside data-access imports, then never Prisma, ioredis or pg, and kafkajs/BullMQ only in their entry points', () => {
    const found = violations((file, spec) => !file.startsWith('data-access/') && DATA_ACCESS_ONLY.test(spec) && !allowedInEntryPoint(file, spec));

    expect(found).toEqual([]);
  });

  it('when domain code imports service-kit, then only its errors entry, never the barrel', () => {
    const found = violations((file, spec) => file.startsWith('domain/') && spec === '@ticketing/service-kit');

    expect(found).toEqual([]);
  });

  it('when a test borrows from another workspace, then through its testing entry, never by reaching into its folders', () => {
    const found = testFiles().flatMap(({ owner, file }) =>
      imports(file)
        .filter((specifier) => borrowsByPath(owner, file, specifier))
        .map((specifier) => `${relative(root, file)} imports ${specifier}`),
    );

    expect(found).toEqual([]);
  });

  it('when a service imports, then never another service', () => {
    const found = violations((_file, spec) => services.some((other) => spec.includes(`services/${other}`) || spec === `@ticketing/${other}`));

    expect(found).toEqual([]);
  });

  it('when the rules are applied to a known bad import, then they catch it', () => {
    expect(['@prisma/client', 'express', 'ioredis', 'kafkajs/x', 'zod', 'pgx'].map((s) => INFRASTRUCTURE.test(s))).toEqual([true, true, true, true, false, false]);
    expect(['@prisma/adapter-pg', 'bullmq', '@ticketing/service-kit'].map((s) => DATA_ACCESS_ONLY.test(s))).toEqual([true, true, false]);
    expect([allowedInEntryPoint('entry-points/jobs/x.ts', 'bullmq'), allowedInEntryPoint('entry-points/http/x.ts', 'bullmq'), allowedInEntryPoint('entry-points/kafka/x.ts', 'ioredis')]).toEqual([true, false, false]);
    expect(imports(join(__dirname, 'architecture.test.ts'))).toEqual(['node:fs', 'node:path', '@jest/globals']);
    const paymentTest = join(root, 'services/payment/test/x.test.ts');
    expect([
      borrowsByPath('payment', paymentTest, '../../booking/test/support/booking-fixture'),
      borrowsByPath('payment', paymentTest, './support/money'),
      borrowsByPath('payment', paymentTest, '../src/domain/payment'),
      borrowsByPath(undefined, join(root, 'test/support/x.ts'), '../../services/booking/src/data-access/catalogue.repository'),
      borrowsByPath(undefined, join(root, 'test/x.test.ts'), '../services/booking/src/config'),
    ]).toEqual([true, false, false, true, false]);
  });
});
