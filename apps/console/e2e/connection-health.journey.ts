/**
 * Journey 17 — connection health (issue 16, "the console shows health history"). A tenant admin
 * has a sandbox Epic connection, live at once; the worker's health monitor checks it every 2 s
 * (SB_HEALTH_CHECK_SECONDS in global-setup.ts). The admin sees it Healthy on the list and on its
 * page, then the sandbox's Epic fails (its FHIR server answers 500): the page shows Down with the
 * failed check's code, the list too; the EHR recovers and the page, left open, shows Healthy again
 * on its own (it re-reads the monitor's state every 30 s), with the history of every change, each
 * with the webhook event it sent.
 *
 * Before the fault, the admin asks to be alerted on Down and on recovery for this connection
 * (Health alerts page); afterwards that page lists both alerts, each sent as a webhook.
 *
 * The sandbox's faults are queued per vendor, so any live Epic connection's check may take one:
 * the journey queues more than it needs and clears the rest once it has seen the connection Down.
 */
import type { Locator, Page } from '@playwright/test';
import { api, expect, expectAccessible, newTenant, newUser, sandbox, signIn, snap, stack, test, unique } from './fixtures';

/**
 * The page as a person who presses reload until it shows `what` (the monitor works on its own
 * schedule): each time, the page is let load (`loaded` visible) before it is read.
 */
async function reloadUntilVisible(page: Page, loaded: Locator, what: Locator, timeoutMs = 45_000): Promise<void> {
  await expect(async () => {
    await page.reload();
    await expect(loaded).toBeVisible({ timeout: 20_000 });
    await expect(what).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: timeoutMs, intervals: [200] });
}

test('a tenant admin sees a sandbox Epic connection’s health go down and recover, with its history', async ({ guardedPage: page }) => {
  test.setTimeout(210_000);
  const tenant = await newTenant('Health');
  const name = `Mercy Epic ${unique('health')}`;
  const created = await api('POST', '/v1/connections', { token: tenant.key, body: { name, vendor: 'epic', environment: 'sandbox' } });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('live');
  const id = created.body.id as string;
  await signIn(page, await newUser(tenant.id, 'admin'));

  // The list: the monitor's first check makes it Healthy; the last test (from the sandbox wiring) is its own column.
  await page.goto(`${stack.base}/console/connections`);
  const table = page.getByRole('table', { name: 'Connections' });
  const row = table.getByRole('row').filter({ hasText: name });
  await expect(row).toBeVisible();
  const headers = await table.getByRole('columnheader').allTextContents();
  expect(headers).toEqual(['Name', 'Vendor', 'Environment', 'Status', 'Health', 'Last test']);
  const healthCell = row.getByRole('cell').nth(headers.indexOf('Health'));
  const lastTestCell = row.getByRole('cell').nth(headers.indexOf('Last test'));
  await reloadUntilVisible(page, row, healthCell.getByText('Healthy', { exact: true }));
  await expect(lastTestCell).toContainText('Last test ok');
  await expectAccessible(page, 'connections list with health');
  await snap(page, '17-health-list-healthy');

  // Its page: the Health card with the first check and a history of one (the baseline, which sends no event).
  await row.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const card = page.getByRole('region', { name: 'Health' });
  const status = card.getByRole('status');
  await expect(status).toContainText(/^Healthy\s*since /);
  await expect(card.getByRole('term').filter({ hasText: 'Last check' }).locator('+ dd')).toHaveText(/^Passed/);
  await expect(card.getByRole('term').filter({ hasText: 'Error rate of recent calls' }).locator('+ dd')).toHaveText('no recent calls');
  const history = card.getByRole('table', { name: 'Health history' });
  await expect(history.getByRole('row')).toHaveCount(2);
  await expect(history.getByRole('row').nth(1).getByRole('cell')).toHaveText([/\d/, /^Not checked yet.*Healthy$/, 'Check passed', '—', 'None (first check)']);
  await expectAccessible(page, 'connection health healthy');
  await snap(page, '17-health-detail-healthy');

  // An alert rule for this connection: Down, and the recovery.
  await page.getByRole('link', { name: 'Health alerts' }).click();
  await expect(page.getByRole('heading', { name: 'Health alerts', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Create alert' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a health alert' });
  await dialog.getByLabel('Name').fill('Mercy Epic down');
  await dialog.getByLabel('Connections').click();
  await page.getByRole('option', { name }).click();
  await dialog.getByLabel('Name').click(); // closes the connection list
  await expect(dialog.getByLabel('Down')).toBeChecked();
  await expect(dialog.getByLabel('Healthy again (a recovery)')).toBeChecked();
  await snap(page, '17-health-alert-form');
  await dialog.getByRole('button', { name: 'Create alert' }).click();
  await expect(dialog).toBeHidden();
  const rulesTable = page.getByRole('table', { name: 'Health alert rules' });
  await expect(rulesTable.getByRole('row').nth(1).getByRole('cell')).toHaveText([name, 'Down, Healthy again', 'None', 'Delete']);
  await expectAccessible(page, 'health alerts, one rule');
  await page.goBack();
  await expect(status).toBeVisible();

  // The hospital's FHIR server starts failing.
  expect((await sandbox('POST', '/_sandbox/faults', { vendor: 'epic', kind: 'server-error', status: 500, count: 20 })).status).toBeLessThan(300);
  try {
    await reloadUntilVisible(page, status, status.getByText('Down', { exact: true }));
    // After five failures in a row the connection's HTTP client stops calling for 30 s: on a slow
    // machine the last check may already say circuit_open (the history keeps the code of each change).
    await expect(card.getByRole('term').filter({ hasText: 'Last check' }).locator('+ dd')).toHaveText(/^Failed (http_500|circuit_open)/);
    await snap(page, '17-health-detail-down');

    // The list says so too, with the failed check's code.
    await page.getByRole('link', { name: 'Connections' }).first().click();
    await expect(healthCell).toHaveText(/^Down\s*(http_500|circuit_open)$/);
    await snap(page, '17-health-list-down');
  } finally {
    // The EHR recovers: the rest of the queued failures are dropped.
    expect((await sandbox('DELETE', '/_sandbox/faults?vendor=epic')).status).toBe(204);
  }

  await row.getByRole('link', { name }).click();
  await expect(status).toBeVisible();
  // No reload this time: the card re-reads the monitor's state every 30 s (GraphQL ConnectionHealth). The
  // monitor sees the recovery within a check or two, or once an opened circuit lets a trial call through (30 s).
  const reread = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('query ConnectionHealth'), { timeout: 45_000 });
  await expect(status.getByText('Healthy', { exact: true })).toBeVisible({ timeout: 80_000 });
  const answer = (await (await reread).json()) as { data?: { connection: { health: { status: string } } }; errors?: unknown };
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.connection.health.status).toMatch(/^(down|healthy)$/);
  await expect(status).toContainText(/^Healthy\s*since /);
  await expect(card.getByRole('term').filter({ hasText: 'Last check' }).locator('+ dd')).toHaveText(/^Passed/);

  // The history, newest first: every change with its reason in words, the failed check's code and its event.
  const rows = history.getByRole('row');
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(1).getByRole('cell')).toHaveText([/\d/, /^Down.*Healthy$/, 'Check passed', '—', /^Sent/]);
  await expect(rows.nth(2).getByRole('cell')).toHaveText([/\d/, /^Degraded.*Down$/, 'Check failed', 'http_500', /^Sent/]);
  await expect(rows.nth(3).getByRole('cell')).toHaveText([/\d/, /^Healthy.*Degraded$/, 'Check failed', 'http_500', /^Sent/]);
  await expect(rows.nth(4).getByRole('cell')).toHaveText([/\d/, /^Not checked yet.*Healthy$/, 'Check passed', '—', 'None (first check)']);
  // The events shown are the ones the API recorded for each change (the webhook-id of their deliveries).
  const changes = await api('GET', `/v1/connections/${id}/health/changes`, { token: tenant.key });
  expect(changes.status).toBe(200);
  const eventIds = (changes.body.items as { eventId: string | null }[]).map((c) => c.eventId);
  expect(eventIds.slice(0, 3).every((e) => typeof e === 'string')).toBe(true);
  for (const [i, eventId] of eventIds.slice(0, 3).entries()) await expect(rows.nth(i + 1).getByRole('cell').nth(4)).toHaveText(`Sent${eventId}`);
  await expectAccessible(page, 'connection health recovered');
  await snap(page, '17-health-detail-recovered');
  // The card alone, at full size, to look at the history table's columns.
  await card.screenshot({ path: `${__dirname}/../../../test-results/console/screens/17-health-card-recovered.png` });

  // The alerts the rule sent: Down, then Healthy again, each as a connection.health_alert webhook.
  await page.getByRole('link', { name: 'Health alerts' }).click();
  const recent = page.getByRole('table', { name: 'Recent health alerts' });
  await expect(recent.getByRole('row')).toHaveCount(3);
  await expect(recent.getByRole('row').nth(1).getByRole('cell')).toHaveText([/\d/, name, 'Healthy again', 'Mercy Epic down', 'connection.health_alert']);
  await expect(recent.getByRole('row').nth(2).getByRole('cell')).toHaveText([/\d/, name, 'Down', 'Mercy Epic down', 'connection.health_alert']);
  await expectAccessible(page, 'health alerts fired');
  await snap(page, '17-health-alerts-fired');
});
