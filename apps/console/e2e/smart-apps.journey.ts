/**
 * Journey 15 — registering a SMART app (issue 15).
 *
 * A developer registers the telehealth vendor's app once for every connected EHR: a
 * redirect URI with a fragment is refused under its field, then the confidential app is
 * registered and its client id and client secret are shown once (copied, and gone from the
 * page when the dialog closes). The secret is rotated after a confirmation (a new one, shown
 * once), the redirect URIs are edited, and the app is deleted after a confirmation naming it.
 * The secrets must not reach the browser's console, storage or URLs (nor the processes' logs).
 */
import type { Page } from '@playwright/test';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, signIn, snap as fullPageSnap, test } from './fixtures';

/** A full-page screenshot from the top: scrolled down, the fixed header would sit mid-page in it. */
async function snap(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullPageSnap(page, name);
}

const APP = 'Harborview Telehealth';
const LAUNCH_URL = 'https://telehealth.harborview.example/smart/launch';
const CALLBACK = 'https://telehealth.harborview.example/smart/callback';

test('a developer registers a confidential SMART app, sees its secret once, rotates it, edits its redirect URIs and deletes it', async ({ guardedPage: page }) => {
  test.setTimeout(120_000);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const tenant = await newTenant('Smart');
  await signIn(page, await newUser(tenant.id, 'developer'));

  await page.getByRole('navigation').getByRole('link', { name: 'SMART apps' }).click();
  await expect(page.getByRole('heading', { name: 'No SMART apps yet' })).toBeVisible();
  await expectAccessible(page, 'SMART apps (empty)');
  await page.getByRole('button', { name: 'Register app' }).click();

  const form = page.getByRole('dialog', { name: 'Register a SMART app' });
  await form.getByRole('textbox', { name: 'Name' }).fill(APP);
  await form.getByRole('textbox', { name: 'Launch URL' }).fill(LAUNCH_URL);
  await form.getByRole('textbox', { name: 'Redirect URIs' }).fill(`${CALLBACK}#done`);
  await form.getByRole('textbox', { name: 'Scopes' }).fill('launch openid fhirUser offline_access\npatient/Patient.read\npatient/Observation.rs?category=laboratory');
  await form.getByRole('switch', { name: /Confidential app/ }).check();
  await expect(form.getByRole('radio', { name: /Client secret/ })).toBeChecked();
  await form.getByRole('button', { name: 'Register app' }).click();
  // The API's issue, under the field it names.
  await expect(form.getByText('Line 1: must not have a fragment (#…)')).toBeVisible();
  await expect(form.getByRole('textbox', { name: 'Redirect URIs' })).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'register a SMART app, with the API’s issue');
  await form.getByRole('textbox', { name: 'Redirect URIs' }).fill(CALLBACK);
  await expect(form.getByText('Line 1: must not have a fragment (#…)')).toHaveCount(0);
  await form.getByRole('button', { name: 'Register app' }).click();

  // The client id and the secret, once: copied, recorded, and gone when the dialog closes.
  const issued = page.getByRole('dialog', { name: `“${APP}” is registered` });
  const clientId = await issued.getByRole('textbox', { name: 'Client ID' }).inputValue();
  expect(clientId).toMatch(/^sbsa_[A-Za-z0-9]{20}$/);
  const secret = await issued.getByRole('textbox', { name: 'Client secret' }).inputValue();
  expect(secret).toMatch(/^sbss_[A-Za-z0-9_-]{43}$/);
  recordNeedle(secret);
  await expect(issued.getByText('Copy the client secret now: you will not see it again')).toBeVisible();
  await issued.getByRole('button', { name: 'Copy client secret' }).click();
  await expect(issued.getByRole('button', { name: 'Copy client secret' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await expectAccessible(page, 'SMART app secret dialog');
  // The pointer off the Copy button, so its tooltip does not cover the dialog in the picture.
  await page.mouse.move(640, 10);
  await snap(page, '15-smart-app-secret-once');
  await issued.getByRole('button', { name: 'I have stored it, close' }).click();
  await expect(issued).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  await page.evaluate(() => navigator.clipboard.writeText(''));

  const table = page.getByRole('table', { name: 'SMART apps' });
  const row = table.getByRole('row', { name: new RegExp(APP) });
  await expect(row).toContainText(clientId);
  await expect(row).toContainText('Confidential, client secret');
  await expect(row).toContainText('patient/Patient.rs');
  const registered = await api('GET', '/v1/smart-apps', { token: tenant.key });
  expect(registered.body.items).toEqual([
    expect.objectContaining({ clientId, hasSecret: true, redirectUris: [CALLBACK], scopes: ['launch', 'openid', 'fhirUser', 'offline_access', 'patient/Patient.rs', 'patient/Observation.rs?category=laboratory'] }),
  ]);
  expect(JSON.stringify(registered.body)).not.toContain(secret);
  await expectAccessible(page, 'SMART apps list');
  await snap(page, '15-smart-apps-list');

  // Rotate: confirmed, a new secret shown once; the list is unchanged.
  await row.getByRole('button', { name: `Rotate the secret of ${APP}` }).click();
  const confirmRotate = page.getByRole('dialog', { name: `Rotate the secret of ${APP}?` });
  await expect(confirmRotate).toContainText('The current secret stops working at once');
  await confirmRotate.getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = page.getByRole('dialog', { name: `New client secret for “${APP}”` });
  const newSecret = await rotated.getByRole('textbox', { name: 'Client secret' }).inputValue();
  expect(newSecret).toMatch(/^sbss_[A-Za-z0-9_-]{43}$/);
  expect(newSecret).not.toBe(secret);
  recordNeedle(newSecret);
  await expect(rotated.getByRole('textbox', { name: 'Client ID' })).toHaveValue(clientId);
  await expect(rotated).toContainText('The previous secret has stopped working');
  await rotated.getByRole('button', { name: 'I have stored it, close' }).click();
  await expect(rotated).toHaveCount(0);
  expect(await page.content()).not.toContain(newSecret);

  // Edit the redirect URIs: a second one for the app's staging site.
  await row.getByRole('button', { name: `Edit ${APP}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${APP}` });
  await expect(edit.getByRole('textbox', { name: 'Redirect URIs' })).toHaveValue(CALLBACK);
  await edit.getByRole('textbox', { name: 'Redirect URIs' }).fill(`${CALLBACK}\nhttps://staging.telehealth.harborview.example/smart/callback`);
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toHaveCount(0);
  await expect(row).toContainText('2 redirect URIs');
  const edited = await api('GET', `/v1/smart-apps/${registered.body.items[0].id}`, { token: tenant.key });
  expect(edited.body).toMatchObject({ clientId, hasSecret: true, redirectUris: [CALLBACK, 'https://staging.telehealth.harborview.example/smart/callback'] });

  // Delete, after a confirmation naming the app and its client id.
  await row.getByRole('button', { name: `Delete ${APP}` }).click();
  const confirmDelete = page.getByRole('dialog', { name: `Delete ${APP}?` });
  await expect(confirmDelete).toContainText(clientId);
  await confirmDelete.getByRole('button', { name: `Delete ${APP}` }).click();
  await expect(page.getByRole('heading', { name: 'No SMART apps yet' })).toBeVisible();
  expect((await api('GET', '/v1/smart-apps', { token: tenant.key })).body).toEqual({ items: [] });
});
