/**
 * Journey 6 — finance. The tenant's traffic (echo calls, and FHIR reads on a
 * sandbox Epic connection, one of them an error) is metered; a `finance` user
 * signs in, lands on Usage (the only page in the nav), reads the totals by
 * connection, vendor, operation and outcome for the period, and the daily chart
 * (SVG bars) whose table carries exactly the numbers of the API's
 * /v1/usage/daily; then changes the period and how the days are stacked.
 */
import type { Locator, Page } from '@playwright/test';
import { api, expect, expectAccessible, newTenant, newUser, sandbox, signIn, snap, test, unique } from './fixtures';

const DAY = 86_400_000;
const utcDay = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** A table's body as { row header → { column header → number } }. */
async function readTable(table: Locator): Promise<Record<string, Record<string, number>>> {
  return table.evaluate((t) => {
    const headers = Array.from(t.querySelectorAll('thead th'), (th) => th.textContent!.trim());
    const out: Record<string, Record<string, number>> = {};
    for (const tr of Array.from(t.querySelectorAll('tbody tr'))) {
      const cells = Array.from(tr.children, (c) => c.textContent!.trim());
      out[cells[0]!] = Object.fromEntries(cells.slice(1).map((v, i) => [headers[i + 1]!, Number(v.replace(/[^0-9]/g, ''))]));
    }
    return out;
  });
}

/** A segmented control's option, clicked on its visible label as a person does (its radio input is visually hidden). */
async function pick(page: Page, option: string): Promise<void> {
  await page.locator('label').filter({ hasText: new RegExp(`^${option}$`) }).click();
  await expect(page.getByRole('radio', { name: option })).toBeChecked();
}

interface DailyAnswer {
  days: { date: string; key: string; name?: string | null; count: number }[];
}

/** What /v1/usage/daily says for a range, as the same shape: day → series label → count. */
async function apiDaily(key: string, from: Date, to: Date, groupBy: string, label: (key: string, name?: string | null) => string) {
  const res = await api('GET', `/v1/usage/daily?from=${from.toISOString()}&to=${to.toISOString()}&groupBy=${groupBy}`, { token: key });
  expect(res.status).toBe(200);
  const out: Record<string, Record<string, number>> = {};
  for (const d of (res.body as DailyAnswer).days) (out[d.date] ??= {})[label(d.key, d.name)] = d.count;
  return out;
}

test('a finance user reads usage by connection, vendor, operation and outcome, and a daily chart drawn from the API', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Ledger');
  const connections = (await api('GET', '/v1/connections', { token: tenant.key })).body.items as { id: string; name: string; vendor: string }[];
  const echo = connections.find((c) => c.vendor === 'echo')!;
  // A sandbox Epic connection wires itself (client, key, test, live).
  const epicName = `Sandbox Epic ${unique('fin')}`;
  const epic = await api('POST', '/v1/connections', { token: tenant.key, body: { name: epicName, vendor: 'epic', environment: 'sandbox' } });
  expect(epic.status).toBe(201);
  await expect.poll(async () => (await api('GET', `/v1/connections/${epic.body.id}`, { token: tenant.key })).body.status, { timeout: 30_000 }).toBe('live');

  for (let i = 0; i < 5; i++) expect((await api('POST', `/v1/connections/${echo.id}/echo`, { token: tenant.key, body: { message: `ping ${i}` } })).status).toBe(200);
  const patients = (await sandbox('GET', '/_sandbox/patients?vendor=epic')).body as { id: string }[];
  for (const p of patients.slice(0, 2)) expect((await api('GET', `/fhir/r4/${epic.body.id}/Patient/${p.id}`, { token: tenant.key })).status).toBe(200);
  expect((await api('GET', `/fhir/r4/${epic.body.id}/Patient/no-such-patient-${unique('x')}`, { token: tenant.key })).status).toBe(404);

  const today = utcDay(new Date());
  const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const tomorrow = new Date(today.getTime() + DAY);
  // Metering is asynchronous to the calls: wait until the API counts all eight.
  await expect
    .poll(async () => {
      const t = await api('GET', `/v1/usage/totals?from=${monthStart.toISOString()}&to=${tomorrow.toISOString()}`, { token: tenant.key });
      return (t.body.items as { count: number }[]).reduce((s, i) => s + i.count, 0);
    })
    .toBe(8);
  const totals = (await api('GET', `/v1/usage/totals?from=${monthStart.toISOString()}&to=${tomorrow.toISOString()}`, { token: tenant.key })).body.items as {
    connectionId: string;
    vendor: string;
    operation: string;
    outcome: string;
    count: number;
  }[];
  expect(totals.some((t) => t.outcome === 'error')).toBe(true);
  const nameOf = (id: string): string => (id === echo.id ? echo.name : id === epic.body.id ? epicName : id);

  await signIn(page, await newUser(tenant.id, 'finance'));
  await expect(page).toHaveURL(/\/console\/usage$/);
  await expect(page.getByRole('navigation').getByRole('link')).toHaveText(['Usage']);
  await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'This month' })).toBeChecked();

  // Totals by each dimension: billable (success), errors and total per row, as the API groups them.
  const expectTotals = async (dimension: string, keyOf: (t: (typeof totals)[number]) => string, label: (key: string) => string) => {
    const expected: Record<string, Record<string, number>> = {};
    for (const t of totals) {
      const row = (expected[label(keyOf(t))] ??= { Billable: 0, Errors: 0, Total: 0 });
      row[t.outcome === 'success' ? 'Billable' : 'Errors']! += t.count;
      row.Total! += t.count;
    }
    await expect.poll(() => readTable(page.getByRole('table', { name: `Totals by ${dimension}` }))).toEqual(expected);
  };
  await expectTotals('connection', (t) => t.connectionId, nameOf);
  await expectTotals('vendor', (t) => t.vendor, (v) => v);
  await expectTotals('operation', (t) => t.operation, (o) => o);
  await expectTotals('outcome', (t) => t.outcome, (o) => (o === 'success' ? 'Billable' : 'Errors'));
  await expect(page.getByText('Billable transactions').locator('..')).toContainText(String(totals.filter((t) => t.outcome === 'success').reduce((s, t) => s + t.count, 0)));

  // The daily chart: SVG bars, and next to it a table with the API's numbers, day by day.
  const chart = page.getByRole('img', { name: /Stacked bar chart of transactions per day by connection/ });
  await expect(chart.locator('svg path.recharts-rectangle').first()).toBeVisible();
  expect(await chart.locator('svg path.recharts-rectangle').count()).toBeGreaterThan(0);
  const daily = page.getByRole('table', { name: 'Transactions per day by connection' });
  await expect
    .poll(() => readTable(daily))
    .toEqual(await apiDaily(tenant.key, monthStart, tomorrow, 'connection', (k, n) => n || nameOf(k)));
  await expectAccessible(page, 'usage this month');
  await snap(page, '06-usage-this-month');

  // Stacked by outcome instead.
  await pick(page, 'Outcome');
  const byOutcome = page.getByRole('table', { name: 'Transactions per day by outcome' });
  await expect
    .poll(() => readTable(byOutcome))
    .toEqual(await apiDaily(tenant.key, monthStart, tomorrow, 'outcome', (k) => (k === 'success' ? 'Billable' : 'Errors')));
  await expect(page.getByRole('img', { name: /by outcome/ }).locator('svg path.recharts-rectangle').first()).toBeVisible();

  // Another period: the last 7 days (seven rows, the same numbers as the API's for that range).
  await pick(page, 'Last 7 days');
  const weekFrom = new Date(today.getTime() - 6 * DAY);
  const week = page.getByRole('table', { name: 'Transactions per day by connection' });
  await pick(page, 'Connection');
  const expectedWeek = await apiDaily(tenant.key, weekFrom, tomorrow, 'connection', (k, n) => n || nameOf(k));
  expect(Object.keys(expectedWeek)).toHaveLength(7);
  await expect.poll(() => readTable(week)).toEqual(expectedWeek);
  await expectAccessible(page, 'usage last 7 days');
  await snap(page, '06-usage-last-7-days');

  // Last month: nothing yet for this new customer.
  await pick(page, 'Last month');
  await expect(page.getByText('No transactions in this period')).toBeVisible();
  await expectAccessible(page, 'usage last month (empty)');
  await snap(page, '06-usage-last-month');
});
