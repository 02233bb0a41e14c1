import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Whether a Docker engine (not just the client) answers here. */
export function dockerEngineAvailable(): boolean {
  return spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

const INFRA = ['postgres', 'redis', 'kafka'] as const;

function compose(root: string, args: string[]): string {
  const result = spawnSync('docker', ['compose', '-f', join(root, 'infra/docker-compose.yml'), ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker compose ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Infra containers already running, so that `down` later stops only what `up` started. */
export function runningComposeServices(root: string): string[] {
  return compose(root, ['ps', '--status', 'running', '--services']).split('\n').filter(Boolean);
}

/** Brings up Postgres, Redis (AOF) and Kafka from the compose file and waits for their health checks and topic creation. */
export function composeUp(root: string): void {
  compose(root, ['up', '-d', '--wait', ...INFRA, 'kafka-init']);
}

export function composeStop(root: string, services: string[]): void {
  if (services.length) compose(root, ['stop', ...services]);
}

/** The host-side addresses of the compose infra (see the comment at the top of infra/docker-compose.yml). */
export const COMPOSE_ENV = {
  DATABASE_URL: 'postgresql://postgres:postgres@127.0.0.1:5433/ticketing',
  REDIS_URL: 'redis://127.0.0.1:6380',
  KAFKA_BROKERS: '127.0.0.1:9092',
};
