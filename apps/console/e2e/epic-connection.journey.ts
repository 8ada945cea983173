/**
 * Journey 2 — add an Epic connection: the guided form, a generated key whose
 * JWKS URL the hospital registers, a test that fails with a human hint until the
 * hospital trusts the client, then passes step by step, and going live. The
 * sandbox's Epic plays the hospital (its client registration stands for the
 * hospital's app registration screen). Also: the one-click sandbox connection.
 */
import { expect, expectAccessible, newTenant, newUser, sandbox, signIn, snap, stack, test, unique } from './fixtures';

test('an owner adds a production Epic connection, registers its JWKS URL, tests it and takes it live', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Epic');
  await signIn(page, await newUser(tenant.id, 'owner'));

  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'Epic' }).check();
  // The journey stack allows loopback targets (SB_ALLOW_PRIVATE_TARGETS), so the sandbox's Epic can stand in for a hospital's.
  await page.getByRole('radio', { name: /^Production/ }).check();
  const name = `Mercy General ${unique('epic')}`;
  const clientId = unique('journey-client');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('FHIR base URL').fill(`${stack.sandbox}/epic/api/FHIR/R4`);
  await page.getByLabel('Client ID', { exact: true }).fill(clientId);
  await page.getByRole('checkbox', { name: /read patients/i }).check();
  await expectAccessible(page, 'new connection');
  await snap(page, '02-new-epic');
  await page.getByRole('button', { name: 'Create connection' }).click();

  await expect(page.getByRole('heading', { name })).toBeVisible();
  // Before any key: the test says what is missing and offers to fix it.
  await page.getByRole('button', { name: 'Run test' }).click();
  const report = page.getByRole('table', { name: /test/i });
  await expect(report).toBeVisible();
  await expect(page.getByText(/failed/i).first()).toBeVisible();

  await page.getByRole('button', { name: /generate key/i }).first().click();
  const jwksUrl = page.getByRole('textbox', { name: 'JWKS URL' });
  await expect(jwksUrl).toHaveValue(/\/\.well-known\/jwks\/[0-9a-f-]+\.json$/);
  await expect(page.getByText(/paste this url/i)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy JWKS URL' })).toBeVisible();

  // The hospital has not registered the client yet: the test fails with a hint for its code.
  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(page.getByText('invalid_client').first()).toBeVisible();
  await expect(page.getByText(/check the client id/i).first()).toBeVisible();
  await snap(page, '02-test-failed-with-hint');

  // The hospital pastes the JWKS URL into its app registration.
  const registered = await sandbox('POST', '/_sandbox/clients', { vendor: 'epic', clientId, jwksUrl: await jwksUrl.inputValue() });
  expect(registered.status).toBe(201);

  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(page.getByText('invalid_client')).toHaveCount(0);
  const passedRows = page.getByRole('table', { name: /test/i }).getByText(/passed/i);
  await expect(passedRows.first()).toBeVisible();
  await expect(page.getByRole('table', { name: /test/i }).getByText(/^failed$/i)).toHaveCount(0);
  await expectAccessible(page, 'connection detail');
  await snap(page, '02-test-passed');

  await page.getByRole('button', { name: 'Go live' }).click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: /go live/i });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/to confirm/).fill(name);
  await confirm.click();
  await expect(page.getByText(/^live$/i).first()).toBeVisible();
  await snap(page, '02-live');
});

test('a sandbox Oracle Health connection wires itself in one click', async ({ guardedPage: page }) => {
  const tenant = await newTenant('OneClick');
  await signIn(page, await newUser(tenant.id, 'developer'));
  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'Oracle Health' }).check();
  await page.getByRole('radio', { name: /^Sandbox/ }).check();
  await page.getByRole('button', { name: 'Connect to the sandbox EHR' }).click();
  await expect(page.getByText(/^live$/i).first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Connections' }).first().click();
  await expect(page.getByRole('table', { name: 'Connections' }).getByText(/Oracle Health/).first()).toBeVisible();
});
