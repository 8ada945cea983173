/**
 * Journey 7 — role limits: a viewer changes nothing (no buttons, and the API says
 * 403 when called anyway); a user without the PHI grant never sees patient data
 * (and the API refuses); tenant B's user never sees tenant A's objects (404).
 */
import { api, expect, expectAccessible, newTenant, newUser, signIn, snap, stack, test } from './fixtures';

test('a viewer sees connections but no button that changes anything, and the API refuses writes', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Viewer');
  await signIn(page, await newUser(tenant.id, 'viewer'));
  await expect(page.getByRole('table', { name: 'Connections' })).toBeVisible();
  await expect(page.getByRole('link', { name: /add connection/i })).toHaveCount(0);
  await expect(page.getByRole('navigation').getByText('Users')).toHaveCount(0);
  await expect(page.getByRole('navigation').getByText('Usage')).toHaveCount(0);

  await page.getByRole('table', { name: 'Connections' }).getByRole('link').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  for (const name of ['Run test', 'Go live', 'Disable', 'Generate key']) await expect(page.getByRole('button', { name })).toHaveCount(0);
  await expectAccessible(page, 'viewer connection detail');
  await snap(page, '07-viewer-detail');

  // Called anyway, with the session and its CSRF token: refused, and nothing changed.
  const attempt = await page.evaluate(async () => {
    const me = await (await fetch('/v1/console/me')).json();
    const res = await fetch('/v1/connections', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
      body: JSON.stringify({ name: 'Sneaky', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: 'SNEAKY' }),
    });
    const fhir = await fetch('/v1/usage/totals');
    return { create: res.status, code: (await res.json()).code, usage: fhir.status };
  });
  expect(attempt).toEqual({ create: 403, code: 'forbidden', usage: 403 });
  const list = await api('GET', '/v1/connections', { token: tenant.key });
  expect(list.body.items.map((c: { name: string }) => c.name)).not.toContain('Sneaky');
});

test('a finance user sees the usage and billing pages and nothing else', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Finance');
  await signIn(page, await newUser(tenant.id, 'finance'));
  await expect(page).toHaveURL(/\/console\/usage/);
  const nav = page.getByRole('navigation');
  await expect(nav.getByRole('link')).toHaveText(['Usage', 'Billing', 'Invoices', 'Adjustments', 'Usage alerts']);
  await page.goto(`${stack.base}/console/connections`);
  await expect(page.getByText(/not available to your role/i).first()).toBeVisible();
  const status = await page.evaluate(async () => (await fetch('/v1/connections')).status);
  expect(status).toBe(403);
});

test('without the PHI grant the API refuses patient data; tenant B gets 404 for tenant A', async ({ guardedPage: page }) => {
  const a = await newTenant('TenantA');
  const b = await newTenant('TenantB');
  const connA = (await api('GET', '/v1/connections', { token: a.key })).body.items[0].id as string;
  await signIn(page, await newUser(b.id, 'owner'));
  const answers = await page.evaluate(async (id) => {
    const detail = await fetch(`/v1/connections/${id}`);
    const fhir = await fetch(`/fhir/r4/${id}/Patient/123`);
    const messages = await fetch(`/v1/connections/${id}/hl7/messages`);
    return { detail: detail.status, fhir: fhir.status, messages: messages.status };
  }, connA);
  // B's owner has no PHI grant (403 before any lookup) and A's connection does not exist for B (404).
  expect(answers).toEqual({ detail: 404, fhir: 403, messages: 404 });
  await page.goto(`${stack.base}/console/connections/${connA}`);
  await expect(page.getByText(/not found/i).first()).toBeVisible();
  await snap(page, '07-cross-tenant');
});
