import { LivenessResponse, ReadinessResponse, SinkStatsResponse } from '../src';

describe('LivenessResponse', () => {
  it('when the service answers { status: "live" }, then it parses', () => {
    expect(LivenessResponse.parse({ status: 'live' })).toEqual({ status: 'live' });
  });

  it('when the status is anything else, then it is rejected', () => {
    expect(LivenessResponse.safeParse({ status: 'ok' }).success).toBe(false);
  });
});

describe('ReadinessResponse', () => {
  it('when every check is ok, then a ready report parses', () => {
    const body = { status: 'ready', checks: { postgres: { ok: true, latencyMs: 3 }, redis: { ok: true, latencyMs: 0 } } };
    expect(ReadinessResponse.parse(body)).toEqual(body);
  });

  it('when a check failed with an error text, then an unready report parses', () => {
    const body = { status: 'unready', checks: { kafka: { ok: false, latencyMs: 2000, error: 'no answer within 2000 ms' } } };
    expect(ReadinessResponse.parse(body)).toEqual(body);
  });

  it('when there are no dependencies, then an empty checks record parses', () => {
    expect(ReadinessResponse.safeParse({ status: 'ready', checks: {} }).success).toBe(true);
  });

  it('when the service is degraded, or answers an anonymous probe with its status only, then it parses', () => {
    expect(ReadinessResponse.safeParse({ status: 'degraded', checks: { redis: { ok: false, latencyMs: 1, error: 'down' } } }).success).toBe(true);
    expect(ReadinessResponse.safeParse({ status: 'degraded' }).success).toBe(true);
  });

  it.each([
    ['an unknown status', { status: 'sick', checks: {} }],
    ['a check without latency', { status: 'ready', checks: { redis: { ok: true } } }],
    ['a negative latency', { status: 'ready', checks: { redis: { ok: true, latencyMs: -1 } } }],
    ['a string ok', { status: 'ready', checks: { redis: { ok: 'yes', latencyMs: 1 } } }],
  ])('when the report has %s, then it is rejected', (_label, body) => {
    expect(ReadinessResponse.safeParse(body).success).toBe(false);
  });
});

describe('SinkStatsResponse', () => {
  it('when no event was stored yet, then lastEventAt null parses', () => {
    expect(SinkStatsResponse.safeParse({ stored: 0, duplicatesIgnored: 0, lastEventAt: null }).success).toBe(true);
  });

  it('when events were stored and extra counters are reported, then it parses and keeps them', () => {
    const body = { stored: 10, duplicatesIgnored: 2, lastEventAt: '2030-01-01T00:00:00.000Z', deadLettered: 1 };
    expect(SinkStatsResponse.parse(body)).toEqual(body);
  });

  it.each([
    ['a missing lastEventAt', { stored: 0, duplicatesIgnored: 0 }],
    ['a non-ISO lastEventAt', { stored: 0, duplicatesIgnored: 0, lastEventAt: 'yesterday' }],
    ['a fractional count', { stored: 0.5, duplicatesIgnored: 0, lastEventAt: null }],
  ])('when the stats have %s, then they are rejected', (_label, body) => {
    expect(SinkStatsResponse.safeParse(body).success).toBe(false);
  });
});
