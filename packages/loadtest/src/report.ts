import { formatTable, type CheckResult } from '@ticketing/audit';
import type { ArtilleryOutput, Summary } from './artillery';
import type { PipelineFigures } from './drain';
import { Metric, STEPS } from './scenario/metrics';

export interface LoadReport {
  startedAt: string;
  settings: { target: string; users: number; windowSeconds: number; catalogue: string };
  flow: {
    users: number;
    completedUsers: number;
    failedUsers: number;
    tokensIssued: number;
    activated: number;
    charged: number;
    holds: number;
    heldFirstTry: number;
    collisionsFirstTry: number;
    collisionsOnRetry: number;
    soldOutSchedules: number;
    gaveUpOnSeats: number;
    leftWithoutSeat: number;
    payments: number;
    /** Payments answered 503 (being settled) and asked about again with the same Idempotency-Key. */
    paymentRetries: number;
    /** Long-polls asked again after a transport failure (what a browser does); not an error, but a sign of strain. */
    waitReconnects: number;
  };
  /** Answers that ended a journey early (`<step>.<status>.<code>`) and transport errors (`transport.<code>`). */
  errors: Record<string, number>;
  /** Latency per step in ms (Artillery's histograms by request name). */
  steps: Record<string, Pick<Summary, 'count' | 'p50' | 'p95' | 'p99' | 'max'>>;
  queueWaitMs?: Pick<Summary, 'p50' | 'p95' | 'p99' | 'max'>;
  journeyMs?: Pick<Summary, 'p50' | 'p95' | 'p99' | 'max'>;
  throughput: { requests: number; requestsPerUser: number; scenarioSeconds: number; requestsPerSecond: number; paymentsPerSecond: number };
  pipeline: PipelineFigures & { drainSeconds: number; drained: boolean };
  wallSeconds: number;
  audit: { ok: boolean; checks: CheckResult[] };
  /** True when every user got a token and was admitted, nothing but seat collisions failed, every hold was paid, sink = payments and the audit passed. */
  ok: boolean;
}

export interface ReportInput {
  startedAt: Date;
  settings: LoadReport['settings'];
  artillery: ArtilleryOutput;
  pipeline: PipelineFigures;
  drained: boolean;
  drainMs: number;
  audit: CheckResult[];
  wallMs: number;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const quantiles = (s: Summary | undefined) => (s ? { p50: round(s.p50), p95: round(s.p95), p99: round(s.p99), max: round(s.max) } : undefined);

/** Folds Artillery's counters and histograms, the pipeline figures and the audit into one report. */
export function buildReport(input: ReportInput): LoadReport {
  const { counters, summaries, firstMetricAt, lastMetricAt } = input.artillery.aggregate;
  const count = (name: string) => counters[name] ?? 0;
  const errors: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters)) {
    if (name.startsWith(Metric.errorPrefix)) errors[name.slice(Metric.errorPrefix.length)] = value;
    else if (name.startsWith('errors.')) errors[`transport.${name.slice('errors.'.length)}`] = value;
  }
  const steps: LoadReport['steps'] = {};
  for (const step of STEPS) {
    const summary = summaries[`plugins.metrics-by-endpoint.response_time.${step}`];
    if (summary) steps[step] = { count: summary.count, ...quantiles(summary)! };
  }
  // The long-polls travel outside Artillery's HTTP engine (each user's own connection): own metrics.
  const waits = summaries[Metric.waitMs];
  if (waits) steps.wait = { count: waits.count, ...quantiles(waits)! };
  const requests = count('http.requests') + count(Metric.waitRequests);
  const flow: LoadReport['flow'] = {
    users: count('vusers.created'),
    completedUsers: count('vusers.completed'),
    failedUsers: count('vusers.failed'),
    tokensIssued: count(Metric.tokenIssued),
    activated: count(Metric.activated),
    charged: count(Metric.charged),
    holds: count(Metric.held),
    heldFirstTry: count(Metric.heldFirstTry),
    collisionsFirstTry: count(Metric.collisionFirstTry),
    collisionsOnRetry: count(Metric.collisionRetry),
    soldOutSchedules: count(Metric.soldOutSchedule),
    gaveUpOnSeats: count(Metric.gaveUpOnSeats),
    leftWithoutSeat: count(Metric.leftWithoutSeat),
    payments: count(Metric.paid),
    paymentRetries: count(Metric.payRetried),
    waitReconnects: Object.entries(counters)
      .filter(([name]) => name.startsWith(`${Metric.waitReconnected}.`))
      .reduce((sum, [, value]) => sum + value, 0),
  };
  const scenarioSeconds = Math.max(0.001, (lastMetricAt - firstMetricAt) / 1_000);
  const auditOk = input.audit.length > 0 && input.audit.every((check) => check.ok);
  return {
    startedAt: input.startedAt.toISOString(),
    settings: input.settings,
    flow,
    errors,
    steps,
    queueWaitMs: quantiles(summaries[Metric.queueWaitMs]),
    journeyMs: quantiles(summaries[Metric.journeyMs]),
    throughput: {
      requests,
      requestsPerUser: round(requests / Math.max(1, flow.users)),
      scenarioSeconds: round(scenarioSeconds),
      requestsPerSecond: round(requests / scenarioSeconds),
      paymentsPerSecond: round(flow.payments / scenarioSeconds, 2),
    },
    pipeline: { ...input.pipeline, drainSeconds: round(input.drainMs / 1_000), drained: input.drained },
    wallSeconds: round(input.wallMs / 1_000),
    audit: { ok: auditOk, checks: input.audit },
    ok:
      flow.users === input.settings.users &&
      flow.tokensIssued === flow.users &&
      flow.activated === flow.users &&
      flow.failedUsers === 0 &&
      Object.keys(errors).length === 0 &&
      flow.payments === flow.holds &&
      input.pipeline.completedPayments === flow.payments &&
      input.pipeline.sinkEvents === flow.payments &&
      input.drained &&
      auditOk,
  };
}

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${round((100 * part) / whole)}%`);

/** The report as Markdown: what `npm run load` prints and writes next to the JSON. */
export function renderMarkdown(r: LoadReport): string {
  const f = r.flow;
  const lines = [
    `# Load test ${r.startedAt}: ${r.ok ? 'PASS' : 'FAIL'}`,
    '',
    `${r.settings.users} users arriving over ${r.settings.windowSeconds} s against ${r.settings.target}; catalogue ${r.settings.catalogue}.`,
    `Wall time ${r.wallSeconds} s (scenario ${r.throughput.scenarioSeconds} s, drain ${r.pipeline.drainSeconds} s); ` +
      `${r.throughput.requests} requests (${r.throughput.requestsPerUser} per user), ${r.throughput.requestsPerSecond} req/s, ${r.throughput.paymentsPerSecond} payments/s.`,
    '',
    '## Flow',
    '| step | count | of users |',
    '|---|---:|---:|',
    ...(
      [
        ['virtual users', f.users],
        ['tokens issued', f.tokensIssued],
        ['admitted (ACTIVE)', f.activated],
        ['charged', f.charged],
        ['seats held', f.holds],
        ['held on the first try', f.heldFirstTry],
        ['first-try seat collisions', f.collisionsFirstTry],
        ['collisions on a retry', f.collisionsOnRetry],
        ['gave up after collisions', f.gaveUpOnSeats],
        ['payments completed', f.payments],
        ['payment answers 503, asked again after Retry-After', f.paymentRetries],
        ['long-polls reconnected after a reset or a hang', f.waitReconnects],
        ['sink events (completed payments stored once)', r.pipeline.sinkEvents],
        ['journeys that failed in Artillery', f.failedUsers],
      ] as const
    ).map(([name, value]) => `| ${name} | ${value} | ${pct(value, f.users)} |`),
    '',
    '## Errors (other than seat collisions)',
    ...(Object.keys(r.errors).length === 0
      ? ['None.']
      : ['| step.status.code | count |', '|---|---:|', ...Object.entries(r.errors).map(([name, n]) => `| ${name} | ${n} |`)]),
    '',
    '## Latency per step (ms, measured by the load generator)',
    '| step | requests | p50 | p95 | p99 | max |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(r.steps).map(([step, s]) => `| ${step} | ${s.count} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`),
    ...[
      ['time in the queue (token → ACTIVE)', r.queueWaitMs],
      ['whole journey (start → paid)', r.journeyMs],
    ]
      .filter((row): row is [string, NonNullable<LoadReport['queueWaitMs']>] => row[1] !== undefined)
      .map(([name, s]) => `| ${name} | | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`),
    '',
    '## Event pipeline',
    `Completed payments ${r.pipeline.completedPayments}, pending ${r.pipeline.pendingPayments}, unpublished outbox rows ` +
      `${r.pipeline.unpublishedEvents}, sink events ${r.pipeline.sinkEvents}, duplicate deliveries ignored ` +
      `${r.pipeline.duplicatesIgnored}; ${r.pipeline.drained ? 'drained' : 'NOT drained'} ${r.pipeline.drainSeconds} s after the last user.`,
    '',
    `## Audit: ${r.audit.ok ? 'every invariant holds' : 'VIOLATIONS'}`,
    '```',
    formatTable(r.audit.checks),
    '```',
    '',
  ];
  return lines.join('\n');
}
