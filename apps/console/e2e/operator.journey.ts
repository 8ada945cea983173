/**
 * Journey — the operator's console: an operator user (made with `npm run operator:add`)
 * signs in to the same console, lands on Tenants (and sees nothing of a tenant's), creates a
 * tenant, invites its first owner and passes the link on; the owner accepts it and signs
 * in to their tenant.
 */
import { expect, expectAccessible, newOperatorUser, PASSWORD, recordNeedle, signIn, snap, test, unique } from './fixtures';

test('an operator user creates a tenant and invites its owner, who accepts and signs in', async ({ guardedPage: page }) => {
  const operator = newOperatorUser();
  await signIn(page, operator);
  await expect(page).toHaveURL(/\/console\/tenants$/);
  await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link')).toHaveText(['Tenants']);
  await expect(page.getByRole('banner').getByText('operator', { exact: true })).toBeVisible();
  await expectAccessible(page, 'tenants');

  // A tenant's pages are not the operator's.
  await page.goto(page.url().replace(/\/tenants$/, '/connections'));
  await expect(page.getByText('Not available to your role')).toBeVisible();
  await nav.getByRole('link', { name: 'Tenants' }).click();

  const slug = unique('lakeside').toLowerCase();
  const name = `Lakeside Care ${slug.slice(-4)}`;
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const create = page.getByRole('dialog', { name: 'Create a tenant' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Slug').fill(slug);
  await expectAccessible(page, 'create tenant');
  await create.getByRole('button', { name: 'Create tenant' }).click();
  await expect(create).toBeHidden();
  const table = page.getByRole('table', { name: 'Tenants' });
  const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
  await expect(row).toContainText(slug);
  await expect(row).toContainText('active');
  await snap(page, 'operator-tenants');

  const ownerEmail = `${unique('owner')}@journeys.example`;
  await row.getByRole('button', { name: `Invite owner to ${name}` }).click();
  const invite = page.getByRole('dialog', { name: `Invite the owner of ${name}` });
  await invite.getByLabel('Email').fill(ownerEmail);
  await invite.getByRole('button', { name: 'Create invite' }).click();
  const linkDialog = page.getByRole('dialog', { name: `Invite link for ${ownerEmail}` });
  const link = await linkDialog.getByRole('textbox', { name: 'Invite link' }).inputValue();
  recordNeedle(new URL(link).hash.slice(1));
  await expect(linkDialog.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await expectAccessible(page, 'owner invite link');
  await snap(page, 'operator-invite-link');
  await linkDialog.getByRole('button', { name: 'Done' }).click();
  await expect(linkDialog).toBeHidden();

  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(page).toHaveURL(/\/console\/login/);

  // The owner opens the link the operator passed on.
  await page.goto(link);
  await expect(page.getByText(name)).toBeVisible();
  await page.getByLabel('Your name').fill('Lena Owner');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: /accept|create|join/i }).click();
  await expect(page).toHaveURL(/\/console\/login/);

  await signIn(page, { email: ownerEmail, password: PASSWORD });
  await expect(page).toHaveURL(/\/console\/connections$/);
  await expect(page.getByRole('banner').getByText(name)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' })).toHaveCount(0);
  await expectAccessible(page, 'owner connections');

  // The owner's session cannot list tenants.
  const status = await page.evaluate(async () => (await fetch('/v1/tenants')).status);
  expect(status).toBe(403);
});
