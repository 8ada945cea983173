/**
 * Journey 22 — an HL7 feed's watch (issue 16, "for HL7 feeds 'no message in N minutes' during
 * configured hours"). A tenant admin opens a lab feed's page, sees it is not watched, and sets a
 * watch: degraded after 20 minutes without a message between 06:00 and 22:00 in Chicago. The
 * page says so, and the API stores exactly that.
 */
import { api, expect, expectAccessible, newTenant, newUser, signIn, snap, stack, test, unique } from './fixtures';

test('a tenant admin sets an HL7 feed’s watch: degraded after 20 minutes without a message during the day', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Watch');
  const facility = unique('WATCH').toUpperCase();
  const name = `Lakeside Lab ${facility.slice(-8)}`;
  const created = await api('POST', '/v1/connections', { token: tenant.key, body: { name, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility } });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await signIn(page, await newUser(tenant.id, 'admin'));

  await page.goto(`${stack.base}/console/connections/${id}`);
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const section = page.getByRole('region', { name: 'Feed watch' });
  await expect(section).toContainText('Not watched: a silent feed does not change its health');

  await section.getByRole('button', { name: 'Edit feed watch' }).click();
  const dialog = page.getByRole('dialog', { name: 'Feed watch' });
  await dialog.getByLabel('Watch this feed').check();
  await dialog.getByLabel('Minutes without a message').fill('20');
  await dialog.getByLabel('Only during these hours').check();
  await dialog.getByLabel('From').fill('06:00');
  await dialog.getByLabel('Until').fill('22:00');
  await dialog.getByLabel('Time zone').fill('America/Chicago');
  await expectAccessible(page, 'feed watch dialog');
  await snap(page, '22-feed-watch-dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(section).toContainText('Degraded when no message arrives for 20 minutes between 06:00 and 22:00 (America/Chicago)');
  await snap(page, '22-feed-watch-set');

  const stored = await api('GET', `/v1/connections/${id}`, { token: tenant.key });
  expect(stored.body.hl7Silence).toEqual({ minutes: 20, hours: { from: '06:00', to: '22:00', timezone: 'America/Chicago' } });
});
