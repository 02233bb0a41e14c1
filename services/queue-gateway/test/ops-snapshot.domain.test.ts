import { describe, expect, it } from '@jest/globals';
import { buckets, parseMetrics, quantileBetween, total } from '../src/domain/ops-snapshot';

const TEXT = `# HELP http_request_duration_seconds HTTP request latency
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",method="POST",route="/payments",status_code="201",service="g"} 8
http_request_duration_seconds_bucket{le="0.5",method="POST",route="/payments",status_code="201",service="g"} 9
http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/payments",status_code="201",service="g"} 10
http_request_duration_seconds_bucket{le="0.1",method="POST",route="/payments",status_code="409",service="g"} 2
http_request_duration_seconds_bucket{le="0.5",method="POST",route="/payments",status_code="409",service="g"} 2
http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/payments",status_code="409",service="g"} 2
http_request_duration_seconds_count{method="POST",route="/payments",status_code="201",service="g"} 10
sink_dead_letters_total{kind="poison",service="s"} 3
sink_dead_letters_total{kind="schema",service="s"} 4
label_with_escapes{path="a \\"quoted\\" \\\\ value"} 1
`;

describe('the operator snapshot read from Prometheus metrics', () => {
  const samples = parseMetrics(TEXT);

  it('when a counter has several label sets, then their sum is read; a filter narrows it; a metric never recorded is 0', () => {
    expect(total(samples, 'sink_dead_letters_total')).toBe(7);
    expect(total(samples, 'sink_dead_letters_total', { kind: 'schema' })).toBe(4);
    expect(total(samples, 'http_request_duration_seconds_count', { route: '/payments', status_code: '201' })).toBe(10);
    expect(total(samples, 'never_recorded_total')).toBe(0);
  });

  it('when a service did not answer, then its figures are null, not 0', () => {
    expect(total(undefined, 'sink_dead_letters_total')).toBeNull();
  });

  it('when label values carry escapes, then they are read unescaped', () => {
    expect(samples.find((sample) => sample.name === 'label_with_escapes')?.labels.path).toBe('a "quoted" \\ value');
  });

  it('when a histogram is read across statuses, then its buckets add up, and the p95 between two snapshots is the bound its observations reach', () => {
    const after = buckets(samples, 'http_request_duration_seconds', { route: '/payments', method: 'POST' });
    expect(after).toEqual({ le: [0.1, 0.5, -1], counts: [10, 11, 12] });
    // Since the start: 12 observations, 95% of them (11.4) only within +Inf, reported as the last finite bound.
    expect(quantileBetween(undefined, after, 0.95)).toBe(0.5);
    expect(quantileBetween(undefined, after, 0.5)).toBe(0.1);
    // Between two snapshots only the new observations count: two more, both slow.
    const later = { le: after.le, counts: [10, 11, 14] };
    expect(quantileBetween(after, later, 0.95)).toBe(0.5);
    expect(quantileBetween(later, later, 0.95)).toBeNull();
  });
});
