import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

/**
 * The rooms of every service (STYLE.md): domain code holds the rules and knows no infrastructure;
 * only data-access talks to Prisma, Redis, Kafka or BullMQ; services never import each other.
 */
const root = join(__dirname, '..');
const services = readdirSync(join(root, 'services'));
const INFRASTRUCTURE = /^(express|@prisma\/[\w-]+|ioredis|kafkajs|bullmq|opossum|pg)(\/|$)/;
const DATA_ACCESS_ONLY = /^(@prisma\/[\w-]+|ioredis|kafkajs|bullmq|pg)(\/|$)/;

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

describe('service architecture', () => {
  it('when domain code imports, then never infrastructure, data-access or entry-points', () => {
    const found = violations((file, spec) => file.startsWith('domain/') && (INFRASTRUCTURE.test(spec) || /(data-access|entry-points)/.test(spec)));

    expect(found).toEqual([]);
  });

  it('when code outside data-access imports, then never Prisma, ioredis, kafkajs, BullMQ or pg directly', () => {
    const found = violations((file, spec) => !file.startsWith('data-access/') && DATA_ACCESS_ONLY.test(spec));

    expect(found).toEqual([]);
  });

  it('when a service imports, then never another service', () => {
    const found = violations((_file, spec) => services.some((other) => spec.includes(`services/${other}`) || spec === `@ticketing/${other}`));

    expect(found).toEqual([]);
  });

  it('when the rules are applied to a known bad import, then they catch it', () => {
    expect(['@prisma/client', 'express', 'ioredis', 'kafkajs/x', 'zod', 'pgx'].map((s) => INFRASTRUCTURE.test(s))).toEqual([true, true, true, true, false, false]);
    expect(['@prisma/adapter-pg', 'bullmq', '@ticketing/service-kit'].map((s) => DATA_ACCESS_ONLY.test(s))).toEqual([true, true, false]);
    expect(imports(join(__dirname, 'architecture.test.ts'))).toEqual(['node:fs', 'node:path', '@jest/globals']);
  });
});
