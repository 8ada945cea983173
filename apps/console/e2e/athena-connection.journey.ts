/**
 * Journey 9 — athenahealth. A developer wires a sandbox athena connection in one
 * click: the sandbox's athenaOne-like server registers a client, the test runs
 * (token, practice access, departments) and the connection goes live, with the
 * change feed not yet subscribed shown as a warning and its hint. Then an owner
 * sets one up by hand for a practice the app is not granted (the sandbox's
 * 195901): the test fails at practice access with athena's "Incorrect
 * permissions" explained, and the departments step is skipped.
 */
import { expect, expectAccessible, newTenant, newUser, recordNeedle, sandbox, signIn, snap, stack, test, unique } from './fixtures';

test('a sandbox athenahealth connection wires itself in one click and shows each step of its test', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Athena');
  await signIn(page, await newUser(tenant.id, 'developer'));
  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'athenahealth' }).check();
  await page.getByRole('radio', { name: /^Sandbox/ }).check();
  await expect(page.getByLabel('Practice ID')).toBeVisible();
  await expect(page.getByLabel('FHIR base URL')).toHaveCount(0);
  await expectAccessible(page, 'new athenahealth connection');
  await snap(page, '09-new-athena');

  await page.getByRole('button', { name: 'Connect to the sandbox EHR' }).click();
  await expect(page.getByRole('heading', { name: 'athenahealth sandbox', level: 1 })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/^live$/i).first()).toBeVisible();
  await expect(page.getByText('Test passed with a warning', { exact: true })).toBeVisible();
  const steps = page.getByRole('table', { name: 'Test steps' });
  for (const step of ['Access token', 'Practice access', 'Departments', 'Change feed']) await expect(steps.getByRole('cell', { name: step, exact: true })).toBeVisible();
  await expect(steps.getByText('change_feed_not_subscribed')).toBeVisible();
  await expect(steps.getByText(/the change poller subscribes/)).toBeVisible();
  await expect(steps.getByText(/^failed$/)).toHaveCount(0);
  // The settings the one click wrote: the simulator's practice and host.
  await expect(page.getByText('195900', { exact: true })).toBeVisible();
  await expect(page.getByText(`${stack.sandbox}/athena`, { exact: true })).toBeVisible();
  await expect(page.getByText(/Client secret: set · version 1/)).toBeVisible();
  await expectAccessible(page, 'athenahealth connection detail');
  await snap(page, '09-athena-one-click');
});

test('an owner sets up athena for a practice the app is not granted: the test says why, and what to do', async ({ guardedPage: page }) => {
  const tenant = await newTenant('AthenaPractice');
  await signIn(page, await newUser(tenant.id, 'owner'));
  // athena (the sandbox) issues the app's credentials, granting practice 195900 only.
  const issued = await sandbox('POST', '/_sandbox/clients', { vendor: 'athena' });
  expect(issued.status).toBe(201);
  const { clientId, clientSecret } = issued.body as { clientId: string; clientSecret: string };
  recordNeedle(clientSecret);

  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'athenahealth' }).check();
  await page.getByRole('radio', { name: /^Production/ }).check();
  const name = `Lakeside Family Practice ${unique('athena')}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Practice ID').fill('195901');
  await page.getByLabel('Client ID').fill(clientId);
  await page.getByLabel('Client secret').fill(clientSecret);
  // The journey stack allows loopback targets, so the sandbox's athena stands in for athena's production host.
  await page.getByLabel('API base URL').fill(`${stack.sandbox}/athena`);
  await page.getByRole('combobox', { name: 'Departments' }).fill('1, 150');
  await page.getByLabel('Change poll interval (seconds)').fill('30');
  await expectAccessible(page, 'athenahealth settings filled in');
  await snap(page, '09-new-athena-production');
  await page.getByRole('button', { name: 'Create connection' }).click();

  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByText(`${stack.sandbox}/athena/oauth2/v1/token (default for production)`)).toBeVisible();
  await expect(page.getByText(/polled every 30 s/)).toBeVisible();
  await expect(page.getByText('1, 150', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(page.getByText('Test failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  const steps = page.getByRole('table', { name: 'Test steps' });
  await expect(steps.getByText('practice_not_permitted')).toBeVisible();
  await expect(steps.getByText(/Incorrect permissions/).first()).toBeVisible();
  await expect(steps.getByText(/^skipped$/)).toHaveCount(2);
  await expectAccessible(page, 'athenahealth test failed');
  await snap(page, '09-athena-not-permitted');
  expect(await page.content()).not.toContain(clientSecret);
});
