import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEV_CREDENTIALS } from '@ticketing/service-kit';
import { waitFor } from '@ticketing/devstack/testing';
import { OPS_PANELS } from '../services/queue-gateway/src/domain/ops-snapshot';
import { concertOnSaleIn, PLATFORM_SETUP_TIMEOUT_MS, startPlatform, type Platform } from './support/platform';

/*
 * The pages as people use them, in a real headless Chromium (the system's, driven by playwright-core)
 * against the whole platform: the waiting room at `/` (join, wait, be admitted by push, choose, hold,
 * add funds, pay, receipt; a reload keeps the place; two people racing for one seat), the operator
 * dashboard at `/ops` and Swagger UI at `/docs`. Every step leaves a screenshot in reports/screenshots/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '../reports/screenshots');
/** Two active users at most, fixed: the first people to arrive really wait. */
const SLOTS = 2;

let platform: Platform;
let browser: Browser;

async function api<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const answer = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(options.token && { 'X-Queue-Token': options.token }), ...(options.body !== undefined && { 'Content-Type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await answer.text();
  return { status: answer.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Someone who takes a slot through the API (and gives it back with `leave`). */
async function occupant(userId: string): Promise<{ token: string; leave: () => Promise<void> }> {
  const { body } = await api<{ token: string; status: string }>('POST', '/queue/tokens', { body: { userId } });
  await waitFor(`${userId} admitted`, async () => (await api<{ status: string }>('GET', '/queue/tokens/me?wait=5', { token: body.token })).body.status === 'ACTIVE' || undefined, 30_000, 10);
  return { token: body.token, leave: async () => void (await api('DELETE', '/queue/tokens/me', { token: body.token })) };
}

/** What the pages' scripts reported as errors (a refused resource under the CSP, an exception). */
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  // A step that does not come fails the test within seconds, naming what it waited for.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Error answers the page handles (a 409 for a taken seat) are logged by Chromium too; those are expected.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  return page;
}

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** The page's queue token (sessionStorage), as the page would send it. */
const tokenOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem: (key: string) => string | null } }).sessionStorage.getItem('ticketing.queueToken'));

/** Closes a page; its person leaves the line too (a closed tab alone keeps the slot until it times out). */
async function leave(page: Page): Promise<void> {
  const token = await tokenOf(page);
  if (token) await api('DELETE', '/queue/tokens/me', { token });
  await page.context().close();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function joinQueue(page: Page, userId: string): Promise<void> {
  await page.goto(platform.gatewayUrl);
  await page.getByLabel('User name').fill(userId);
  await page.getByRole('button', { name: 'Join the queue' }).click();
}

/** From the admitted page to the seat map of the first concert's first date. */
async function toSeatMap(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Concert / }).first().click();
  await page.getByRole('button', { name: /^Date / }).first().click();
  await page.getByRole('heading', { name: 'Choose your seat' }).waitFor();
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  platform = await startPlatform({ concerts: 2, seatsPerSchedule: 30, maxActive: SLOTS });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, PLATFORM_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
}, 60_000);

describe('the waiting room', () => {
  it('when a fan joins a full house, then the page shows their place live, keeps it across a reload, lets them in by push, and takes them through seat, hold, funds and payment to a receipt', async () => {
    const occupants = await Promise.all([occupant('early-1'), occupant('early-2')]);
    const page = await newPage();
    await joinQueue(page, 'browser-fan');
    const status = page.getByRole('status');
    await status.filter({ hasText: /Position 1\b/ }).waitFor();
    await shot(page, '01-waiting');
    const token = await tokenOf(page);
    expect(token).toBeTruthy();

    await page.reload();
    await status.filter({ hasText: /Position 1\b/ }).waitFor();
    expect(await tokenOf(page)).toBe(token);

    // A slot frees: the gateway pushes the admission through the page's event stream.
    await occupants[0]!.leave();
    await page.getByRole('button', { name: /^Concert / }).first().waitFor({ timeout: 15_000 });
    await shot(page, '02-concerts');
    await toSeatMap(page);
    await shot(page, '03-seat-map');

    await page.getByRole('button', { name: /^Seat 1\b/ }).click();
    await page.getByRole('button', { name: 'Hold seat' }).click();
    await page.getByRole('button', { name: 'Add funds' }).waitFor();
    await expect(page.getByRole('timer').textContent()).resolves.toMatch(/Hold ends in [45]:\d\d/);
    expect(await page.getByRole('button', { name: 'Pay' }).isDisabled()).toBe(true);
    await shot(page, '04-hold');

    await page.getByRole('button', { name: 'Add funds' }).click();
    await page.getByRole('button', { name: 'Pay' }).and(page.locator(':enabled')).waitFor();
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.getByRole('heading', { name: 'Booking confirmed' }).waitFor();
    const reservationId = (await page.locator('#reservation-id').textContent())!;
    expect(reservationId).toMatch(/^[0-9a-f-]{36}$/);
    await shot(page, '05-receipt');

    // The receipt is the truth: the seat is the fan's, paid.
    const again = await occupant('browser-fan');
    const reservation = await api<{ status: string; seatNo: number }>('GET', `/reservations/${reservationId}`, { token: again.token });
    expect(reservation.body).toMatchObject({ status: 'CONFIRMED', seatNo: 1 });
    await Promise.all([again.leave(), occupants[1]!.leave()]);
    await page.context().close();
  }, 120_000);

  it('when two people race for one seat, then one holds it and the other is told plainly, sees it taken, and holds another', async () => {
    const [first, second] = await Promise.all([newPage(), newPage()]);
    await Promise.all([joinQueue(first, 'racer-a'), joinQueue(second, 'racer-b')]);
    for (const page of [first, second]) {
      await page.getByRole('button', { name: /^Concert / }).first().waitFor({ timeout: 15_000 });
      await toSeatMap(page);
      await page.getByRole('button', { name: /^Seat 5\b/ }).click();
    }
    await Promise.all([first, second].map((page) => page.getByRole('button', { name: 'Hold seat' }).click()));

    const outcome = async (page: Page) =>
      Promise.race([
        page.getByRole('heading', { name: 'Seat 5 is held for you' }).waitFor().then(() => 'won' as const),
        page.getByText('Someone else just took that seat').waitFor().then(() => 'lost' as const),
      ]);
    const outcomes = await Promise.all([outcome(first), outcome(second)]);
    expect([...outcomes].sort()).toEqual(['lost', 'won']);
    const loser = outcomes[0] === 'lost' ? first : second;
    await shot(loser, '06-seat-taken');

    // The refreshed map shows the seat taken; another one works.
    expect(await loser.getByRole('button', { name: /^Seat 5\b/ }).isDisabled()).toBe(true);
    await loser.getByRole('button', { name: /^Seat 6\b/ }).click();
    await loser.getByRole('button', { name: 'Hold seat' }).click();
    await loser.getByRole('heading', { name: 'Seat 6 is held for you' }).waitFor();
    await Promise.all([leave(first), leave(second)]);
  }, 120_000);
});

describe('an on-sale link', () => {
  it('when a fan opens a concert link before its sale opens, then the page says when it opens and that there is no hurry, and at the opening lets them in to that concert alone', async () => {
    const { concertId } = await concertOnSaleIn(platform, 'Midnight Premiere', 8);
    const page = await newPage();
    // Booking caches its list for a second; the gateway reads it again for a concert it does not know.
    await waitFor('the concert listed', async () => ((await api('POST', '/queue/tokens', { body: { userId: 'link-probe', concertId } })).status === 201 ? true : undefined), 15_000, 250);
    await page.goto(`${platform.gatewayUrl}/?concert=${concertId}`);
    await page.getByLabel('User name').fill('link-fan');
    await page.getByRole('button', { name: 'Join the queue' }).click();
    await page.getByRole('status').filter({ hasText: /The sale opens at .*no need to hurry/ }).waitFor();
    await shot(page, '09-pre-queue');
    expect(await tokenOf(page)).toMatch(new RegExp(`^${concertId}\\.`));

    // At the opening the stream comes back, the fan gets a place and (the line being short) is let in.
    await page.getByRole('button', { name: 'Concert Midnight Premiere' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: /^Concert / }).count()).toBe(1);
    await leave(page);
  }, 90_000);
});

describe('the operator dashboard and the API docs', () => {
  it('when an operator opens /ops with the operator token, then every panel shows live numbers', async () => {
    const page = await newPage();
    await page.goto(`${platform.gatewayUrl}/ops`);
    await page.getByLabel('Operator token').fill(DEV_CREDENTIALS.OPS_TOKEN);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    const panels = OPS_PANELS;
    for (const title of panels) await page.getByRole('heading', { name: title }).waitFor();
    // A user arrives while the operator watches: the numbers move with them.
    const visitor = await occupant('dashboard-visitor');
    const figure = (title: string) => page.locator(`[data-panel-value="${title}"]`);
    // The limit in force over every line (each concert line opened by the tests above has its own).
    const { maxActive } = (await api<{ maxActive: number }>('GET', '/queue/stats')).body;
    expect(maxActive % SLOTS).toBe(0);
    await figure('Active vs admission limit').filter({ hasText: `limit: ${maxActive}` }).waitFor({ timeout: 10_000 });
    await figure('Waiting').filter({ hasText: /waiting: 0\b/ }).waitFor();
    await figure('Payments per second').filter({ hasText: /payments: \d/ }).waitFor();
    await figure('Outbox backlog').filter({ hasText: /unpublished: \d/ }).waitFor();
    await figure('Consumer lag').filter({ hasText: /sink lag: \d/ }).waitFor();
    await figure('Dead letters').filter({ hasText: /DLQ: 0/ }).waitFor();
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(panels.length);
    await shot(page, '07-dashboard');
    await visitor.leave();

    await page.context().close();
  }, 60_000);

  it('when the dashboard is opened with a wrong token, then it shows no data and asks again', async () => {
    const page = await newPage();
    await page.goto(`${platform.gatewayUrl}/ops`);
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.getByText('That operator token was not accepted.').waitFor();
    expect(await page.getByRole('heading', { name: 'Waiting' }).count()).toBe(0);
    await page.context().close();
  }, 30_000);

  it('when /docs is opened, then Swagger UI renders the public API from /openapi.json', async () => {
    const page = await newPage();
    await page.goto(`${platform.gatewayUrl}/docs`);
    await page.getByText('Ticketing: public API (queue-gateway)').waitFor();
    await page.getByText('/queue/tokens/me/events').first().waitFor();
    await shot(page, '08-docs');
    await page.context().close();
  }, 30_000);
});
