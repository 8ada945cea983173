/**
 * Journey 1 — first login: the operator invites an owner; the owner opens the
 * link, chooses a password, signs in and sees the Connections page with the
 * tenant's connections and their health.
 */
import { api, expect, expectAccessible, inviteUrl, newTenant, PASSWORD, snap, stack, test, unique } from './fixtures';

test('an invited owner accepts, signs in and sees the connections with their health', async ({ guardedPage: page }) => {
  const tenant = await newTenant('First');
  const email = `${unique('owner')}@journeys.example`;
  const link = await inviteUrl(tenant.id, email, 'owner');

  await page.goto(link);
  await expect(page.getByText(tenant.name)).toBeVisible();
  await expect(page).not.toHaveURL(/#/); // the token leaves the address bar at once
  await expectAccessible(page, 'accept invite');
  await snap(page, '01-accept-invite');

  await page.getByLabel('Your name').fill('Olive Owner');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('short');
  await page.getByLabel('Repeat password').fill('short');
  await page.getByRole('button', { name: /accept|create|join/i }).click();
  await expect(page.getByText('Use at least 12 characters.')).toBeVisible();

  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('Password1234');
  await page.getByLabel('Repeat password').fill('Password1234');
  await page.getByRole('button', { name: /accept|create|join/i }).click();
  await expect(page.getByText(/too common/i)).toBeVisible();

  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: /accept|create|join/i }).click();

  await expect(page).toHaveURL(/\/console\/login/);
  await expectAccessible(page, 'login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-my-password-9');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText(/invalid_credentials/)).toBeVisible();
  await snap(page, '01-login-error');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console\/connections$/);
  const table = page.getByRole('table', { name: 'Connections' });
  await expect(table.getByText('Echo (built-in test connection)')).toBeVisible();
  await expect(table.getByText(/live/i).first()).toBeVisible();
  await expectAccessible(page, 'connections');
  await snap(page, '01-connections');

  // The link was single use.
  const token = new URL(link).hash.slice(1);
  expect((await api('GET', `/v1/console/invites/${token}`)).status).toBe(404);

  // Signing out ends the session on the server too.
  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(page).toHaveURL(/\/console\/login/);
  const me = await page.evaluate(async () => (await fetch('/v1/console/me')).status);
  expect(me).toBe(401);
  expect(stack.base).toContain('127.0.0.1');
});
