import { describe, expect, it } from '@jest/globals';
import { currentCorrelationId, runWithCorrelationId } from '../src';
import { captureLogs as capture } from './support/capture-logs';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createLogger', () => {
  it('when logging inside a correlation context, then every line carries the service and that id, across awaits', async () => {
    const { logger, lines } = capture();

    await runWithCorrelationId('corr-1', async () => {
      logger.info('before');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.child({ component: 'inner' }).info('after');
    });
    logger.info('outside');
    await flush();

    expect(lines.map((l) => [l.msg, l.service, l.correlationId])).toEqual([
      ['before', 'svc', 'corr-1'],
      ['after', 'svc', 'corr-1'],
      ['outside', 'svc', undefined],
    ]);
  });

  it('when no correlation id is given, then one is generated for the context', () => {
    const id = runWithCorrelationId(undefined, () => currentCorrelationId());

    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a logged object holds tokens, secrets or credential headers, then they are redacted', async () => {
    const { logger, lines } = capture();

    logger.info({ token: 'tok-1', user: { token: 'tok-2', password: 'pw-3' }, headers: { authorization: 'Bearer b-4', 'x-queue-token': 'q-5' } }, 'sensitive');
    await flush();
    const text = JSON.stringify(lines);

    for (const secret of ['tok-1', 'tok-2', 'pw-3', 'b-4', 'q-5']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('when a config object or an error quoting a connection URL is logged, then no credential appears', async () => {
    const { logger, lines } = capture();

    logger.info(
      { config: { DATABASE_URL: 'postgresql://app:db-pass-6@db:5432/x', INTERNAL_TOKEN: 'internal-7', PAYMENT_INTERNAL_TOKEN: 'payment-12', OPS_TOKEN: 'ops-13', AUTH_JWT_SECRET: 'jwt-secret-8' }, authorization: 'Bearer a-9' },
      'config',
    );
    logger.error({ err: new Error('cannot reach postgresql://app:db-pass-10@db:5432/x', { cause: new Error('redis://:redis-pass-11@cache:6379 refused') }) }, 'failed');
    await flush();
    const text = JSON.stringify(lines);

    for (const secret of ['db-pass-6', 'internal-7', 'payment-12', 'ops-13', 'jwt-secret-8', 'a-9', 'db-pass-10', 'redis-pass-11']) expect(text).not.toContain(secret);
    expect(text).toContain('postgresql://app:[redacted]@db:5432/x');
  });
});
