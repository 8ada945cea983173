/**
 * Journey 3 — Oracle Health and an HL7 v2 site.
 *
 * Oracle Health: the hospital issues a system account (the sandbox's Oracle plays
 * the hospital); the owner enters its client secret once in the add form; from
 * then on the console shows "set · version N · updated …" and never the value,
 * which appears neither on the page nor in any response the page received. The
 * hospital rotates the secret: the test fails until the new one is entered.
 *
 * HL7 v2 site: created in the form (MLLP host/port/TLS, sending facility and
 * application, ACK mode); the site sends a few lab results over MLLP; the dialect
 * editor previews a code map (FHIR output, diff against the current dialect and a
 * replay of the stored messages) before it is saved.
 */
import type { Page, Response } from '@playwright/test';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, sandbox, signIn, snap, test, unique } from './fixtures';
import { ackCode, oru, sendHl7 } from './hl7-site';

/** Every response body the page receives, to prove a secret never comes back from the API. */
function collectResponses(page: Page): string[] {
  const bodies: string[] = [];
  page.on('response', (r: Response) => {
    void r
      .text()
      .then((t) => bodies.push(`${r.url()} ${t}`))
      .catch(() => undefined);
  });
  return bodies;
}

/** The secret is nowhere: not in the page's text or markup, not in any input, not in any response. */
async function expectNowhere(page: Page, bodies: readonly string[], secret: string): Promise<void> {
  expect(await page.content()).not.toContain(secret);
  const inputs = await page.evaluate(() => Array.from(document.querySelectorAll('input, textarea'), (i) => (i as HTMLInputElement).value));
  expect(inputs.filter((v) => v.includes(secret))).toEqual([]);
  expect(bodies.filter((b) => b.includes(secret)).map((b) => b.split(' ')[0])).toEqual([]);
}

test('an owner adds an Oracle Health connection: the client secret is entered once, shown only as set/version, and rotated', async ({ guardedPage: page }) => {
  const bodies = collectResponses(page);
  const tenant = await newTenant('Oracle');
  await signIn(page, await newUser(tenant.id, 'owner'));

  // The hospital registers Switchboard as a system account and hands over the client ID and secret.
  const issued = await sandbox('POST', '/_sandbox/clients', { vendor: 'oracle' });
  expect(issued.status).toBe(201);
  const { clientId, clientSecret, tenantId: oracleTenant, fhirBaseUrl } = issued.body as { clientId: string; clientSecret: string; tenantId: string; fhirBaseUrl: string };
  recordNeedle(clientSecret);

  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'Oracle Health' }).check();
  await page.getByRole('radio', { name: /^Production/ }).check();
  const name = `Riverside Regional ${unique('oracle')}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('FHIR base URL').fill(fhirBaseUrl);
  await page.getByLabel('Client ID', { exact: true }).fill(clientId);
  await page.getByLabel('Client secret').fill(clientSecret);
  await page.getByRole('checkbox', { name: /read patients/i }).check();
  await expectAccessible(page, 'new Oracle Health connection');
  await snap(page, '03-new-oracle');
  await page.getByRole('button', { name: 'Create connection' }).click();

  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const secretSection = page.getByRole('region', { name: 'Client secret' });
  await expect(secretSection.getByText(/Client secret: set · version 1 · updated/)).toBeVisible();
  await expect(secretSection.getByRole('button', { name: 'Rotate' })).toBeVisible();
  await expect(secretSection.getByLabel('Client secret')).toHaveCount(0);

  // The stored secret works: every step of the live test passes against the hospital.
  await page.getByRole('button', { name: 'Run test' }).click();
  const steps = page.getByRole('table', { name: 'Test steps' });
  await expect(page.getByText('Test passed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(steps.getByText(/^failed$/)).toHaveCount(0);
  await expectAccessible(page, 'Oracle Health connection detail');
  await snap(page, '03-oracle-secret-set');
  await expectNowhere(page, bodies, clientSecret);

  // The hospital rotates the system account's secret: the old one stops working.
  const rotated = await sandbox('POST', '/_sandbox/clients', { vendor: 'oracle', clientId, tenantId: oracleTenant });
  expect(rotated.status).toBe(201);
  const newSecret = rotated.body.clientSecret as string;
  recordNeedle(newSecret);
  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(page.getByText('Test failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(steps.getByText('invalid_client').first()).toBeVisible();

  await secretSection.getByRole('button', { name: 'Rotate' }).click();
  const field = secretSection.getByLabel('Client secret');
  await expect(field).toHaveValue('');
  await field.fill(newSecret);
  await expectAccessible(page, 'rotating the client secret');
  await secretSection.getByRole('button', { name: 'Save secret' }).click();
  await expect(secretSection.getByText(/Client secret: set · version 2 · updated/)).toBeVisible();
  await expect(secretSection.getByLabel('Client secret')).toHaveCount(0);

  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(page.getByText('Test passed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await snap(page, '03-oracle-rotated');

  // A reload reads everything from the API again: still only the version.
  await page.reload();
  await expect(secretSection.getByText(/Client secret: set · version 2 · updated/)).toBeVisible();
  await expectNowhere(page, bodies, clientSecret);
  await expectNowhere(page, bodies, newSecret);
  const meta = await api('GET', `/v1/connections/${page.url().split('/').pop()}/secrets`, { token: tenant.key });
  expect(JSON.stringify(meta.body)).not.toContain(newSecret);
});

test('an admin sets up an HL7 v2 site and previews a dialect change on its stored messages before saving it', async ({ guardedPage: page }) => {
  const tenant = await newTenant('Hl7Site');
  await signIn(page, await newUser(tenant.id, 'admin', true));
  const facility = unique('LAKESIDE').toUpperCase();
  const application = 'LABSYS';

  await page.getByRole('link', { name: /add connection/i }).first().click();
  await page.getByRole('radio', { name: 'HL7 v2 site' }).check();
  const name = `Lakeside Clinic ${facility.slice(-8)}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('MLLP host').fill('127.0.0.1');
  await page.getByLabel('MLLP port').fill('2575');
  // The hospital's engine takes plain MLLP inside its VPN; a TLS site would refuse plain TCP (the mllp app's tests cover that).
  await expect(page.getByRole('checkbox', { name: 'Use TLS' })).not.toBeChecked();
  await page.getByLabel('Sending facility (MSH-4)').fill(facility);
  await page.getByLabel('Sending application (MSH-3)').fill(application);
  const ackMode = page.getByRole('combobox', { name: 'ACK mode' });
  await ackMode.click();
  await page.getByRole('option', { name: /^Enhanced/ }).click();
  await expect(ackMode).toHaveValue(/^Enhanced/);
  await expectAccessible(page, 'new HL7 v2 site');
  await snap(page, '03-new-hl7');
  await page.getByRole('button', { name: 'Create connection' }).click();

  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const settings = page.getByRole('region', { name: 'Settings' });
  await expect(settings.getByText('127.0.0.1:2575')).toBeVisible();
  await expect(settings.getByText(facility)).toBeVisible();
  await expect(settings.getByText(application)).toBeVisible();
  await expect(settings.getByText('enhanced')).toBeVisible();
  await expectAccessible(page, 'HL7 v2 site detail');
  const connectionId = page.url().split('/').pop()!;

  // The site sends three lab results with its local glucose code.
  const patients = [
    { family: 'Quillfeather', given: 'Ada', mrn: unique('MRN') },
    { family: 'Brightwater', given: 'Tobias', mrn: unique('MRN') },
    { family: 'Ashgrove', given: 'Marisol', mrn: unique('MRN') },
  ];
  for (const p of patients) for (const v of [p.family, p.given, p.mrn]) recordNeedle(v);
  const messages = patients.map((p, i) => oru({ application, facility, controlId: `${facility}-${i + 1}`, ...p, value: String(90 + i) }));
  const acks = await sendHl7(messages);
  // Enhanced mode: a commit ACK for each, once the raw message is stored.
  expect(acks.map(ackCode)).toEqual(['CA', 'CA', 'CA']);
  await expect
    .poll(async () => (await api('GET', `/v1/connections/${connectionId}/hl7/messages`, { token: tenant.key })).body.items.map((m: { status: string }) => m.status))
    .toEqual(['processed', 'processed', 'processed']);

  await page.getByRole('link', { name: 'Dialect editor' }).click();
  await expect(page.getByRole('heading', { name: `Dialect · ${name}` })).toBeVisible();
  const dialect = {
    timezone: 'America/Chicago',
    codeMaps: [{ field: 'OBX-3', sourceSystem: 'L', map: { GLU: { system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' } } }],
  };
  await page.getByLabel('Dialect (JSON)').fill(JSON.stringify(dialect, null, 2));
  await page.getByLabel('Sample message (optional)').fill(messages[0]!.replace(/\r/g, '\n'));
  await page.getByLabel('Replay the last N stored messages').fill('10');
  await page.getByRole('button', { name: 'Preview' }).click();

  // The FHIR output with the edited dialect, and its difference from the current one.
  const sample = page.getByRole('region', { name: 'Sample message' });
  const diff = sample.getByRole('table', { name: 'Differences' });
  await expect(diff).toBeVisible();
  await expect(diff.getByText(/2345-7/).first()).toBeVisible();
  await expect(sample.getByText('FHIR output with the edited dialect')).toBeVisible();
  await expect(sample.getByText('FHIR output with the current dialect')).toBeVisible();
  // The edited dialect's output comes first: its Observation carries the LOINC coding next to the local one.
  await sample.getByRole('button', { name: /^Observation\// }).first().click();
  await expect(sample.getByText(/"code": "2345-7"/)).toBeVisible();

  // The replay: every stored result would change (the LOINC coding is added), none would fail.
  const replay = page.getByRole('region', { name: 'Replay of stored messages' });
  await expect(replay.getByText('Replayed 3 stored messages: 3 would change, 0 would now fail, 0 would now succeed.')).toBeVisible();
  const rows = replay.getByRole('table', { name: 'Replay results' });
  for (let i = 1; i <= 3; i++) await expect(rows.getByRole('row', { name: new RegExp(`${facility}-${i}.*would change`) })).toBeVisible();
  await expectAccessible(page, 'dialect editor with preview');
  await snap(page, '03-dialect-preview');

  // Nothing is saved by a preview.
  expect((await api('GET', `/v1/connections/${connectionId}`, { token: tenant.key })).body.dialect ?? {}).toEqual({});
  await page.getByRole('button', { name: 'Save dialect' }).click();
  await expect(page.getByText(/Dialect saved/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save dialect' })).toBeDisabled();
  expect((await api('GET', `/v1/connections/${connectionId}`, { token: tenant.key })).body.dialect).toEqual(dialect);
  await snap(page, '03-dialect-saved');
});
