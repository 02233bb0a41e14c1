import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../src/config';

describe('payment config', () => {
  it('when only AUTH_MODE=dev is set, then the defaults work on a developer machine: booking on 8081, recovery every 5 s after 30 s', () => {
    const config = loadConfig({ AUTH_MODE: 'dev' });

    expect(config).toMatchObject({ PORT: 8082, BOOKING_URL: 'http://127.0.0.1:8081', RECOVERY_INTERVAL_MS: 5_000, RECOVERY_AFTER_MS: 30_000, DATABASE_SCHEMA: 'payment' });
  });

  it('when recovery would take over payments before a booking call can time out, then start-up fails naming RECOVERY_AFTER_MS', () => {
    expect(() => loadConfig({ AUTH_MODE: 'dev', BOOKING_TIMEOUT_MS: '5000', RECOVERY_AFTER_MS: '5000' })).toThrow(/RECOVERY_AFTER_MS: must be greater than BOOKING_TIMEOUT_MS/);
  });

  it('when a setting is not a number or BOOKING_URL not a URL, then start-up fails naming each bad variable', () => {
    expect(() => loadConfig({ OUTBOX_BATCH_SIZE: 'many', BOOKING_URL: 'booking' })).toThrow(/OUTBOX_BATCH_SIZE[\s\S]*BOOKING_URL|BOOKING_URL[\s\S]*OUTBOX_BATCH_SIZE/);
  });
});
