import { describe, expect, it } from '@jest/globals';
import type { CheckResult } from '@ticketing/audit';
import { buildReport, renderMarkdown, type ReportInput } from '../src/report';
import { Metric } from '../src/scenario/metrics';

const summary = (p50: number) => ({ min: 1, max: p50 * 4, count: 10, mean: p50, p50, p95: p50 * 2, p99: p50 * 3 });
const passingAudit: CheckResult[] = ['money', 'seats', 'events', 'tokens'].map((name) => ({ name, ok: true, figures: {}, violations: [] }) as CheckResult);

/** What a clean 10-user run's Artillery output and pipeline figures look like. */
function input(overrides: { counters?: Record<string, number>; audit?: CheckResult[]; sinkEvents?: number } = {}): ReportInput {
  return {
    startedAt: new Date('2026-11-24T00:00:00Z'),
    settings: { target: 'http://gateway', users: 10, windowSeconds: 5, catalogue: '1 concert × 20 seats' },
    artillery: {
      aggregate: {
        counters: {
          'vusers.created': 10, 'vusers.completed': 10, 'vusers.failed': 0, 'http.requests': 80,
          [Metric.tokenIssued]: 10, [Metric.activated]: 10, [Metric.charged]: 10, [Metric.held]: 10,
          [Metric.heldFirstTry]: 8, [Metric.collisionFirstTry]: 2, [Metric.paid]: 10, [Metric.waitRequests]: 20,
          ...overrides.counters,
        },
        rates: {},
        summaries: { 'plugins.metrics-by-endpoint.response_time.hold': summary(5), [Metric.queueWaitMs]: summary(1_000) },
        firstMetricAt: 0,
        lastMetricAt: 8_000,
      },
    },
    pipeline: { completedPayments: 10, pendingPayments: 0, unpublishedEvents: 0, sinkEvents: overrides.sinkEvents ?? 10, duplicatesIgnored: 0 },
    drained: true,
    drainMs: 1_500,
    audit: overrides.audit ?? passingAudit,
    wallMs: 12_000,
  };
}

describe('the load report', () => {
  it('when every user went through and the audit passed, then the report passes and carries the flow, latency and throughput', () => {
    const report = buildReport(input());

    expect(report.ok).toBe(true);
    expect(report.flow).toMatchObject({ users: 10, activated: 10, holds: 10, heldFirstTry: 8, collisionsFirstTry: 2, payments: 10 });
    expect(report.steps).toEqual({ hold: { count: 10, p50: 5, p95: 10, p99: 15, max: 20 } });
    // The long-polls travel outside Artillery's engine and are counted from the scenario's own counter.
    expect(report.throughput).toEqual({ requests: 100, requestsPerUser: 10, scenarioSeconds: 8, requestsPerSecond: 12.5, paymentsPerSecond: 1.25 });
    expect(renderMarkdown(report)).toMatch(/^# Load test 2026-11-24T00:00:00.000Z: PASS/);
  });

  it('when a journey ended on an unexpected answer or a transport error, then the report lists it by code and fails', () => {
    const report = buildReport(input({ counters: { [`${Metric.errorPrefix}pay.500.INTERNAL`]: 1, 'errors.ETIMEDOUT': 2 } }));

    expect(report.errors).toEqual({ 'pay.500.INTERNAL': 1, 'transport.ETIMEDOUT': 2 });
    expect(report.ok).toBe(false);
    expect(renderMarkdown(report)).toContain('| pay.500.INTERNAL | 1 |');
  });

  it('when the sink is missing an event, or the audit found a violation, or a user was never admitted, then the report fails', () => {
    const violated = passingAudit.map((check) => (check.name === 'money' ? { ...check, ok: false, violations: ['user u: ledger 5 ≠ balance 6'] } : check));

    expect(buildReport(input({ sinkEvents: 9 })).ok).toBe(false);
    expect(buildReport(input({ audit: violated })).ok).toBe(false);
    expect(buildReport(input({ counters: { [Metric.activated]: 9 } })).ok).toBe(false);
    expect(renderMarkdown(buildReport(input({ audit: violated })))).toContain('user u: ledger 5 ≠ balance 6');
  });
});
