import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { isPublishedSample } from '@ticketing/service-kit';
import { loadConfig as bookingConfig } from '../services/booking/src/config';
import { loadConfig as sinkConfig } from '../services/dataplatform-sink/src/config';
import { loadConfig as paymentConfig } from '../services/payment/src/config';
import { loadConfig as gatewayConfig } from '../services/queue-gateway/src/config';

/*
 * Security review, point 3: the compose file is what a Docker user deploys, with NODE_ENV=production
 * (the image's). It must carry no secret of its own, and each service's real config must accept what
 * it hands over once the `secrets` service has generated the credentials.
 */

type ComposeService = { environment?: Record<string, string>; volumes?: string[] };
const compose = parse(readFileSync(join(__dirname, '../infra/docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const secretsDir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));

/** `${NAME:-default}` as compose resolves it with nothing set on the host. */
const withDefaults = (value: string) => String(value).replace(/\$\{[A-Z_]+(?::?-([^}]*))?\}/g, (_m, fallback: string | undefined) => fallback ?? '');

/** A service's environment as its container sees it: the image's NODE_ENV, defaults, and generated secret files. */
function containerEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
  for (const [key, raw] of Object.entries(compose.services[name]?.environment ?? {})) {
    const value = withDefaults(raw);
    if (key.endsWith('_FILE')) {
      const file = join(secretsDir, value.split('/').pop()!);
      writeFileSync(file, randomBytes(48).toString('base64url'));
      env[key] = file;
    } else {
      env[key] = value;
    }
  }
  return env;
}

describe('infra/docker-compose.yml as a production deployment', () => {
  it('when the services start from it, then every config passes the production checks (jwt identity with issuer and audience, own credentials)', () => {
    const gateway = gatewayConfig(containerEnv('queue-gateway'));
    expect(gateway).toMatchObject({ NODE_ENV: 'production', AUTH_MODE: 'jwt', AUTH_JWT_ISSUER: expect.any(String), AUTH_JWT_AUDIENCE: expect.any(String) });
    expect(bookingConfig(containerEnv('booking')).AUTH_MODE).toBe('jwt');
    expect(paymentConfig(containerEnv('payment')).AUTH_MODE).toBe('jwt');
    expect(sinkConfig(containerEnv('dataplatform-sink')).NODE_ENV).toBe('production');
  });

  it('when it is read, then no credential is written in it: each comes from a generated file, and no value is a published sample', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, raw] of Object.entries(service.environment ?? {})) {
        expect({ service: name, key, sample: isPublishedSample(withDefaults(raw)) }).toEqual({ service: name, key, sample: false });
        if (/TOKEN|SECRET/.test(key)) expect({ service: name, key }).toEqual({ service: name, key: expect.stringMatching(/_FILE$/) });
      }
    }
  });

  it('when the services that hold credentials start, then they wait for the secrets service and mount its volume read-only', () => {
    for (const name of ['queue-gateway', 'booking', 'payment']) {
      const service = compose.services[name] as ComposeService & { depends_on: Record<string, { condition: string }> };
      expect(service.depends_on.secrets).toEqual({ condition: 'service_completed_successfully' });
      expect(service.volumes).toContain('secrets:/run/secrets/ticketing:ro');
    }
  });
});
