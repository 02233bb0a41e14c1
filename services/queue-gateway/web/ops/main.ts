import uPlot from 'uplot';
import type { OpsSnapshot } from '@ticketing/contracts';
import { quantileBetween, type OPS_PANELS } from '../../src/domain/ops-snapshot';

/*
 * The operator dashboard: one `GET /ops/snapshot` a second (with the operator credential the person
 * types in, kept for the tab only), drawn as live charts of the last five minutes.
 */

const KEY = 'ticketing.opsToken';
const WINDOW = 300;

interface Panel {
  title: (typeof OPS_PANELS)[number];
  unit: string;
  series: string[];
  /** This panel's values from two snapshots a second apart (null: no figure). */
  values: (now: OpsSnapshot, before: OpsSnapshot | undefined, seconds: number) => (number | null)[];
}

const rate = (now: number | null, before: number | null | undefined, seconds: number) => (now === null || before == null || seconds <= 0 ? null : Math.max(0, (now - before) / seconds));
const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1000));

const PANELS: Panel[] = [
  { title: 'Waiting', unit: 'people', series: ['waiting'], values: (now) => [now.queue?.waiting ?? null] },
  { title: 'Admitted per second', unit: '/s', series: ['admitted'], values: (now, before, s) => [rate(now.admitted, before?.admitted, s)] },
  { title: 'Active vs admission limit', unit: 'people', series: ['active', 'limit'], values: (now) => [now.queue?.active ?? null, now.queue?.limit ?? null] },
  {
    title: 'ETA model',
    unit: 's',
    series: ['admission rate /s', 'wait of the last in line (s)'],
    values: (now) => {
      const perSecond = now.queue?.admissionRatePerSecond ?? null;
      return [perSecond, perSecond && now.queue ? Math.round(now.queue.waiting / perSecond) : null];
    },
  },
  {
    title: 'Breaker and fallback',
    unit: '',
    series: ['breaker open (1)', 'fallback answers /s'],
    values: (now, before, s) => [now.queue ? (now.queue.breaker === 'closed' ? 0 : 1) : null, rate(now.fallbacks, before?.fallbacks, s)],
  },
  {
    title: 'Booking and payment latency p95',
    unit: 'ms',
    series: ['hold p95', 'pay p95'],
    values: (now, before) => [ms(quantileBetween(before?.holdLatency, now.holdLatency, 0.95)), ms(quantileBetween(before?.payLatency, now.payLatency, 0.95))],
  },
  { title: 'Payments per second', unit: '/s', series: ['payments'], values: (now, before, s) => [rate(now.payments, before?.payments, s)] },
  { title: 'Outbox backlog', unit: 'events', series: ['unpublished'], values: (now) => [now.outboxBacklog] },
  { title: 'Consumer lag', unit: 'messages', series: ['sink lag'], values: (now) => [now.consumerLag] },
  { title: 'Dead letters', unit: 'events', series: ['DLQ'], values: (now) => [now.deadLetters] },
];

const COLOURS = ['#2563eb', '#dc2626', '#16a34a'];
const main = document.getElementById('app')!;
const notice = document.getElementById('notice')!;

function login(message = ''): void {
  const input = Object.assign(document.createElement('input'), { id: 'ops-token', type: 'password', autocomplete: 'off', required: true });
  const label = Object.assign(document.createElement('label'), { htmlFor: 'ops-token', textContent: 'Operator token' });
  const button = Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Show dashboard' });
  const form = document.createElement('form');
  form.append(label, input, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value);
    void start();
  });
  notice.textContent = message;
  main.replaceChildren(form);
}

async function snapshot(token: string): Promise<OpsSnapshot | 'denied' | undefined> {
  try {
    const answer = await fetch('/ops/snapshot', { headers: { Authorization: `Bearer ${token}` } });
    if (answer.status === 401) return 'denied';
    return answer.ok ? ((await answer.json()) as OpsSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

async function start(): Promise<void> {
  const token = sessionStorage.getItem(KEY);
  if (!token) return login();
  const first = await snapshot(token);
  if (first === 'denied') {
    sessionStorage.removeItem(KEY);
    return login('That operator token was not accepted.');
  }
  notice.textContent = '';
  const grid = document.createElement('div');
  grid.className = 'panels';
  main.replaceChildren(grid);
  const times: number[] = [];
  const charts = PANELS.map((panel) => {
    const section = document.createElement('section');
    section.className = 'panel';
    section.setAttribute('aria-label', panel.title);
    const heading = Object.assign(document.createElement('h2'), { textContent: panel.title });
    const figure = Object.assign(document.createElement('p'), { className: 'figure', textContent: '–' });
    figure.setAttribute('data-panel-value', panel.title);
    const plotBox = document.createElement('div');
    section.append(heading, figure, plotBox);
    grid.append(section);
    const data: (number | null)[][] = panel.series.map(() => []);
    const plot = new uPlot(
      {
        width: 360,
        height: 150,
        legend: { show: true },
        // Always the last five minutes, however few points there are yet.
        scales: { x: { time: true, range: (_plot, _min, max) => [max - WINDOW, max] } },
        series: [{}, ...panel.series.map((label, i) => ({ label, stroke: COLOURS[i], width: 2, spanGaps: true }))],
        axes: [{}, { size: 50 }],
      },
      [times, ...data] as uPlot.AlignedData,
      plotBox,
    );
    return { panel, figure, data, plot };
  });

  let before = first === undefined ? undefined : first;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await snapshot(token);
    if (now === 'denied') return login('The operator token is no longer accepted.');
    if (now === undefined) {
      notice.textContent = 'The gateway does not answer; retrying…';
      continue;
    }
    notice.textContent = '';
    const seconds = before ? (now.at - before.at) / 1000 : 0;
    times.push(now.at / 1000);
    if (times.length > WINDOW) times.shift();
    for (const chart of charts) {
      const values = chart.panel.values(now, before, seconds);
      values.forEach((value, i) => {
        chart.data[i]!.push(value);
        if (chart.data[i]!.length > WINDOW) chart.data[i]!.shift();
      });
      const shown = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value * 10) / 10}${chart.panel.unit && chart.panel.unit !== 's' ? ` ${chart.panel.unit}` : ''}`);
      chart.figure.textContent = values.map((value, i) => `${chart.panel.series[i]}: ${shown(value)}`).join(' · ');
      chart.plot.setData([times, ...chart.data] as uPlot.AlignedData);
    }
    before = now;
  }
}

void start();
