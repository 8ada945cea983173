/**
 * Journey 6 — finance. The tenant's traffic (echo calls, and FHIR reads on a
 * sandbox Epic connection, one of them an error) is metered; a `finance` user
 * signs in, lands on Usage (the first of the usage and billing pages in the nav),
 * reads the totals by connection, vendor, operation and outcome for the period,
 * and the daily chart (SVG bars) whose table carries exactly the numbers of the
 * API's /v1/usage/daily; then changes the period and how the days are stacked.
 *
 * Then billing: the operator puts a tenant on a plan (billing zone
 * Asia/Kathmandu); a production HL7 feed sends results (billable) beside echo
 * calls (not billable); the finance user reads usage over time on the Billing
 * page, whose table equals GET /v1/usage for the same filters in Kathmandu (per
 * day, by connection) and in UTC (per hour, by class), the period's spend,
 * active connections and distinct patients as the preview has them, the
 * invoice preview with each line's computation, and downloads the summary CSV;
 * then the operator's correction on the read-only Adjustments page, and a usage
 * alert created and deleted.
 */
import type { Locator, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, sandbox, signIn, snap, stack, test, unique } from './fixtures';
import { ackCode, oru, sendHl7 } from './hl7-site';

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
  await expect(page.getByRole('navigation').getByRole('link')).toHaveText(['Usage', 'Billing', 'Invoices', 'Adjustments', 'Usage alerts']);
  await expect(page.getByRole('heading', { name: 'Usage', level: 1 })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'This month' })).toBeChecked();

  // Totals by each dimension: successful, errors and total per row, as the API groups them.
  const expectTotals = async (dimension: string, keyOf: (t: (typeof totals)[number]) => string, label: (key: string) => string) => {
    const expected: Record<string, Record<string, number>> = {};
    for (const t of totals) {
      const row = (expected[label(keyOf(t))] ??= { Successful: 0, Errors: 0, Total: 0 });
      row[t.outcome === 'success' ? 'Successful' : 'Errors']! += t.count;
      row.Total! += t.count;
    }
    await expect.poll(() => readTable(page.getByRole('table', { name: `Totals by ${dimension}` }))).toEqual(expected);
  };
  await expectTotals('connection', (t) => t.connectionId, nameOf);
  await expectTotals('vendor', (t) => t.vendor, (v) => v);
  await expectTotals('operation', (t) => t.operation, (o) => o);
  await expectTotals('outcome', (t) => t.outcome, (o) => (o === 'success' ? 'Successful' : 'Errors'));
  await expect(page.getByText('Successful transactions').locator('..')).toContainText(String(totals.filter((t) => t.outcome === 'success').reduce((s, t) => s + t.count, 0)));

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
    .toEqual(await apiDaily(tenant.key, monthStart, tomorrow, 'outcome', (k) => (k === 'success' ? 'Successful' : 'Errors')));
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

/** An instant's wall clock in `zone` as the Billing page labels windows: `YYYY-MM-DD` (day) or `YYYY-MM-DD HH:mm` (hour). */
function windowLabel(iso: string, window: 'day' | 'hour', zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return window === 'day' ? date : `${date} ${parts.hour}:${parts.minute}`;
}

interface UsageRow {
  start: string;
  connectionId?: string;
  connectionName?: string | null;
  class?: string | null;
  billable?: boolean;
  units: number;
}

/** What GET /v1/usage answers for the chart's filters, billable rows only, as window label → series → units (every page). */
async function apiWindows(key: string, q: { from: string; to: string; window: 'day' | 'hour'; groupBy: 'connection' | 'class'; timezone: string }, seriesLabel: (r: UsageRow) => string) {
  const rows: UsageRow[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ from: q.from, to: q.to, window: q.window, groupBy: `${q.groupBy},billable`, timezone: q.timezone, ...(cursor ? { cursor } : {}) });
    const res = await api('GET', `/v1/usage?${params.toString()}`, { token: key });
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe(q.timezone);
    rows.push(...(res.body.data as UsageRow[]));
    cursor = res.body.next as string | null;
  } while (cursor);
  const billable = rows.filter((r) => r.billable === true);
  const series = [...new Set(billable.map(seriesLabel))];
  const out: Record<string, Record<string, number>> = {};
  for (const r of billable) {
    const row = (out[windowLabel(r.start, q.window, q.timezone)] ??= Object.fromEntries(series.map((s) => [s, 0])));
    row[seriesLabel(r)] = (row[seriesLabel(r)] ?? 0) + r.units;
  }
  return out;
}

/** "$1,234.50" as the console shows a decimal amount of USD (en-US). */
const usd = (amount: string): string => {
  const [int = '0', frac = ''] = amount.replace('-', '').split('.');
  return `${amount.startsWith('-') ? '-' : ''}$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac.padEnd(2, '0')}`;
};

test('a finance user reads billable usage over time in two time zones, the invoice preview with its computation, and downloads the summary CSV', async ({ guardedPage: page }) => {
  test.setTimeout(150_000);
  const tenant = await newTenant('Tally');
  const zone = 'Asia/Kathmandu';

  // The operator's set-up: a plan (HL7 in, graduated, one unit included; a $5 minimum) and the tenant on it from this period.
  const plan = await api('POST', '/v1/plans', {
    token: stack.adminToken,
    body: {
      name: `Clinic Growth ${unique('p').slice(-4)}`,
      currency: 'USD',
      components: [
        { class: 'hl7.in', model: 'graduated', includedUnits: 1, tiers: [{ upTo: 2, unitPrice: '0.50' }, { upTo: null, unitPrice: '0.10' }] },
        { class: 'fhir.read', model: 'unit', unitPrice: '0.01' },
      ],
      minimumCommitment: '5.00',
    },
  });
  expect(plan.status).toBe(201);
  const terms = await api('PUT', `/v1/tenants/${tenant.id}/billing`, { token: stack.adminToken, body: { planId: plan.body.id, timezone: zone, anchorDay: 1, currency: 'USD' } });
  expect(terms.status).toBe(200);

  // Traffic: a production lab feed sends five results (billable HL7 in); three echo calls (not billable).
  const facility = unique('TALLYLAB').toUpperCase();
  const feed = await api('POST', '/v1/connections', { token: tenant.key, body: { name: `Tally Lab ${facility.slice(-8)}`, vendor: 'hl7v2', environment: 'production', hl7SendingFacility: facility } });
  expect(feed.status).toBe(201);
  const patients = ['Quillfeather', 'Ashdown', 'Marlowe', 'Penhallow', 'Everleigh'].map((family) => ({ family, given: 'Rosalind', mrn: unique('TL') }));
  for (const p of patients) for (const v of [p.family, p.mrn]) recordNeedle(v);
  const acks = await sendHl7(patients.map((p, i) => oru({ application: 'LIS', facility, controlId: `${facility}-${i}`, ...p })));
  expect(acks.map(ackCode)).toEqual(['AA', 'AA', 'AA', 'AA', 'AA']);
  const echo = ((await api('GET', '/v1/connections', { token: tenant.key })).body.items as { id: string; vendor: string }[]).find((c) => c.vendor === 'echo')!;
  for (let i = 0; i < 3; i++) expect((await api('POST', `/v1/connections/${echo.id}/echo`, { token: tenant.key, body: { message: `tally ${i}` } })).status).toBe(200);

  // The period and its preview as the API has them, once the rollup counts all five results (and the audit their patients).
  const previewOf = async () => (await api('GET', '/v1/billing/invoices/preview?period=current', { token: tenant.key })).body;
  await expect.poll(async () => ((await previewOf()).quantities?.usage?.['hl7.in'] as number | undefined) ?? 0, { timeout: 30_000 }).toBe(5);
  await expect.poll(async () => (await previewOf()).quantities.distinctPatients as number, { timeout: 30_000 }).toBe(5);
  const preview = await previewOf();
  expect(preview.period.timezone).toBe(zone);
  expect(preview.plan).toMatchObject({ id: plan.body.id, version: 1 });
  // By hand: 5 − 1 included = 4 billable; 2 × 0.50 + 2 × 0.10 = 1.20; the $5.00 minimum adds a 3.80 true-up.
  expect(preview.lines.map((l: { kind: string; class: string | null; amount: string }) => [l.kind, l.class, l.amount])).toEqual([
    ['usage', 'hl7.in', '1.20'],
    ['usage', 'fhir.read', '0.00'],
    ['minimumTrueUp', null, '3.80'],
  ]);
  expect(preview.total).toBe('5.00');

  await signIn(page, await newUser(tenant.id, 'finance'));
  await page.getByRole('navigation').getByRole('link', { name: 'Billing' }).click();
  await expect(page.getByRole('heading', { name: 'Billing', level: 1 })).toBeVisible();
  await expect(page.getByText(`${preview.plan.name}, version 1 · period ${preview.period.id}`)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Spend to date' })).toContainText(usd(preview.total));
  await expect(page.getByRole('region', { name: 'Active connections' })).toContainText(String(preview.quantities.activeConnections));
  expect(preview.quantities.activeConnections).toBe(1);
  await expect(page.getByRole('region', { name: 'Distinct patients' })).toContainText(String(preview.quantities.distinctPatients));
  await expect(page.getByRole('region', { name: 'Billable units to date' })).toContainText('5');
  await expect(page.getByRole('region', { name: 'Included units' })).toContainText('1 of 1 used');

  // Usage over time in the billing zone (the picker's default): per day by connection, the API's numbers for the same filters.
  await expect(page.getByLabel('Time zone')).toHaveValue(zone);
  const range = { from: preview.period.start as string, to: preview.period.end as string };
  const byConnection = page.getByRole('table', { name: 'Billable units per day by connection' });
  const expectedKathmandu = await apiWindows(tenant.key, { ...range, window: 'day', groupBy: 'connection', timezone: zone }, (r) => r.connectionName ?? r.connectionId ?? '');
  expect(Object.values(expectedKathmandu).flatMap((r) => Object.values(r)).reduce((a, b) => a + b, 0)).toBe(5);
  await expect.poll(() => readTable(byConnection)).toEqual(expectedKathmandu);
  await expect(page.getByRole('img', { name: /Stacked bar chart of billable units per day by connection in Asia\/Kathmandu/ }).locator('svg path.recharts-rectangle').first()).toBeVisible();
  await expectAccessible(page, 'billing (Kathmandu)');
  await snap(page, '06-billing-kathmandu');

  // The same period in UTC, per hour by class: the windows are cut on UTC's clock and still equal the API's.
  await page.getByLabel('Time zone').selectOption('UTC');
  await pick(page, 'Class');
  await pick(page, 'Hour');
  const byClass = page.getByRole('table', { name: 'Billable units per hour by class' });
  const expectedUtc = await apiWindows(tenant.key, { ...range, window: 'hour', groupBy: 'class', timezone: 'UTC' }, (r) => (r.class === 'hl7.in' ? 'HL7 in' : String(r.class)));
  expect(Object.keys(expectedUtc).every((label) => label.endsWith(':00'))).toBe(true);
  await expect.poll(() => readTable(byClass)).toEqual(expectedUtc);
  await expect(byClass.locator('caption')).toContainText('in UTC');
  await expectAccessible(page, 'billing (UTC, hourly by class)');
  await snap(page, '06-billing-utc-hourly');

  // The invoice preview: each line with its computation, the plan and version, and the total, as the API has them.
  await page.getByRole('navigation').getByRole('link', { name: 'Invoices' }).click();
  const lines = page.getByRole('table', { name: 'Invoice lines' });
  const hl7 = lines.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'HL7 in (graduated tiers)' }) });
  await expect(hl7).toContainText('5 units − 1 included (of 1) = 4 billable');
  for (const t of preview.lines[0].tiers as { from: number; upTo: number | null; quantity: number; unitPrice: string; amount: string }[]) {
    await expect(hl7).toContainText(`${t.upTo === null ? `units ${t.from} and up` : `units ${t.from}–${t.upTo}`}: ${t.quantity} × ${usd(t.unitPrice)} = ${usd(t.amount)}`);
  }
  await expect(hl7.getByRole('cell').last()).toHaveText(usd(preview.lines[0].amount));
  await expect(lines.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Minimum commitment true-up' }) }).getByRole('cell').last()).toHaveText('$3.80');
  await expect(lines.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Total', exact: true }) }).getByRole('cell')).toHaveText(usd(preview.total));
  await expect(page.getByText(`${preview.plan.name} (version 1)`)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Past invoices' })).toHaveCount(0);
  await expect(page.getByText(/No invoice has been finalized yet/)).toBeVisible();
  await expectAccessible(page, 'invoice preview');
  await snap(page, '06-invoice-preview');

  // The summary CSV of the period: a download (the session cookie, no secret in the link) whose line amounts sum to the total.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download summary CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
  const header = csv[0]!.split(',');
  expect(header.slice(0, 4)).toEqual(['period_id', 'period_start', 'period_end', 'line_kind']);
  const amountAt = header.indexOf('line_amount');
  // Amounts are USD with two decimals: summed as integer cents, never as floats.
  const cents = csv
    .slice(1)
    .map((r) => r.split(',')[amountAt] ?? '')
    .filter(Boolean)
    .reduce((sum, a) => sum + BigInt(a.replace('.', '')), 0n);
  expect(cents).toBe(500n);
  expect(csv.slice(1).every((r) => r.startsWith(`${preview.period.id},`))).toBe(true);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);

  // The operator voids one result sent by mistake: the finance user sees the correction, read-only, with its reason.
  const events = (await api('GET', '/v1/usage/events?limit=100', { token: tenant.key })).body.items as { transactionId: string; connectionId: string }[];
  const voided = events.find((e) => e.connectionId === feed.body.id)!;
  const adjusted = await fetch(`${stack.base}/v1/usage/adjustments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', 'idempotency-key': unique('void') },
    body: JSON.stringify({ tenantId: tenant.id, transactionIds: [voided.transactionId], action: 'void', reason: 'Test result sent to production' }),
  });
  expect(adjusted.status).toBe(201);
  await page.getByRole('navigation').getByRole('link', { name: 'Adjustments' }).click();
  const corrections = page.getByRole('table', { name: 'Adjustments' });
  await expect(corrections.getByRole('row')).toHaveCount(2);
  await expect(corrections).toContainText(voided.transactionId);
  await expect(corrections).toContainText('Test result sent to production');
  await expect(corrections).toContainText(feed.body.name as string);
  await expect(corrections).toContainText('Not invoiced yet');
  await expect(page.getByRole('button', { name: /void|amend|adjust/i })).toHaveCount(0);
  await expectAccessible(page, 'adjustments');
  await snap(page, '06-adjustments');

  // A usage alert at 80% of the included HL7 units, created and then deleted (after a confirmation naming it).
  await page.getByRole('navigation').getByRole('link', { name: 'Usage alerts' }).click();
  await expect(page.getByRole('heading', { name: 'No usage alerts yet' })).toBeVisible();
  await page.getByRole('button', { name: 'Create alert' }).click();
  const form = page.getByRole('dialog', { name: 'Create a usage alert' });
  await form.getByLabel('Name').fill('HL7 included at 80%');
  await form.getByLabel('Metric').selectOption('includedPercent');
  await form.getByLabel('Threshold').fill('80');
  await form.getByLabel('Class').selectOption('hl7.in');
  await form.getByRole('button', { name: 'Create alert' }).click();
  await expect(form).toHaveCount(0);
  const rules = page.getByRole('table', { name: 'Usage alerts' });
  await expect(rules.getByRole('rowheader', { name: 'HL7 included at 80%' })).toBeVisible();
  await expect(rules).toContainText('80%');
  const listed = (await api('GET', '/v1/usage/alerts', { token: tenant.key })).body.data as { name: string; metric: string; threshold: string; class: string | null }[];
  expect(listed.map((r) => [r.name, r.metric, r.threshold, r.class])).toEqual([['HL7 included at 80%', 'includedPercent', '80', 'hl7.in']]);
  await expectAccessible(page, 'usage alerts');
  await snap(page, '06-usage-alerts');
  await page.getByRole('button', { name: 'Delete HL7 included at 80%' }).click();
  await page.getByRole('dialog', { name: 'Delete HL7 included at 80%?' }).getByRole('button', { name: 'Delete HL7 included at 80%' }).click();
  await expect(page.getByRole('heading', { name: 'No usage alerts yet' })).toBeVisible();
  expect((await api('GET', '/v1/usage/alerts', { token: tenant.key })).body.data).toEqual([]);
});
