/**
 * Journey 4 — "a result never reached our app". A clinic's lab system (an older
 * HL7 v2 sender) puts the MRN in PID-2 and leaves PID-3 empty: the ORU^R01 is
 * stored and acknowledged, but processing fails with 101 (patient identifier
 * missing), so no result.received event reaches the app's webhook. An admin with
 * the PHI grant finds it in the message log (by control id, then by the patient's
 * MRN), reads the raw text, ACK, error code and its meaning, fixes the dialect
 * (the MRN is in PID-2; the preview's replay says the message would now succeed),
 * reprocesses it, sees it processed with its FHIR output, and follows its event
 * to the webhook attempt at the app's receiver. An admin without the PHI grant
 * sees metadata only: no raw content, no patient filter, and the API refuses.
 */
import { join, resolve } from 'node:path';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, signIn, snap, stack, test, unique } from './fixtures';
import { ackCode, oru, sendHl7 } from './hl7-site';

const ROOT = resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startWebhookReceiver } = require(join(ROOT, 'dist', 'libs', 'testing', 'src', 'webhook-receiver.js')) as {
  startWebhookReceiver: () => Promise<{ url: (path: string) => string; received: { path: string; body: string }[]; close: () => Promise<void> }>;
};

test('a failed lab result is found, explained, fixed with the dialect, reprocessed and followed to the webhook attempt', async ({ guardedPage: page }) => {
  test.setTimeout(150_000);
  const tenant = await newTenant('Missing');
  const receiver = await startWebhookReceiver();
  try {
    // The tenant's app listens for results (set up through the API, as the app's developers did).
    const endpoint = await api('POST', '/v1/webhook-endpoints', {
      token: tenant.key,
      body: { url: receiver.url('/switchboard/results'), description: 'Care-team app results', eventTypes: ['result.received'] },
    });
    expect(endpoint.status).toBe(201);
    recordNeedle(endpoint.body.secret);

    const facility = unique('NORTHLAB').toUpperCase();
    const application = 'OLDLIS';
    const site = await api('POST', '/v1/connections', {
      token: tenant.key,
      body: { name: `Northside Lab ${facility.slice(-8)}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, hl7SendingApplication: application },
    });
    expect(site.status).toBe(201);
    const connectionId = site.body.id as string;

    // Two results that process, and the one that does not: its MRN is in PID-2.
    const missing = { family: 'Thistlewood', given: 'Imogen', mrn: unique('NL') };
    const others = [
      { family: 'Fairbairn', given: 'Caspian', mrn: unique('NL') },
      { family: 'Larkspur', given: 'Odette', mrn: unique('NL') },
    ];
    for (const p of [missing, ...others]) for (const v of [p.family, p.given, p.mrn]) recordNeedle(v);
    const controlId = `${facility}-77`;
    const acks = await sendHl7([
      oru({ application, facility, controlId: `${facility}-75`, ...others[0]! }),
      oru({ application, facility, controlId, ...missing, mrnField: 2, value: '212' }),
      oru({ application, facility, controlId: `${facility}-78`, ...others[1]! }),
    ]);
    expect(acks.map(ackCode)).toEqual(['AA', 'AA', 'AA']);
    await expect
      .poll(async () => (await api('GET', `/v1/connections/${connectionId}/hl7/messages?controlId=${controlId}`, { token: tenant.key })).body.items[0]?.status)
      .toBe('failed');

    // The care-team app's developer reports the missing result; an admin with the PHI grant looks.
    await signIn(page, await newUser(tenant.id, 'admin', true));
    await page.getByRole('table', { name: 'Connections' }).getByRole('link', { name: site.body.name }).click();
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await expect(page.getByRole('heading', { name: `Messages · ${site.body.name}` })).toBeVisible();
    const log = page.getByRole('table', { name: 'Messages' });
    await expect(log.getByRole('row')).toHaveCount(4);

    const filters = page.getByRole('form', { name: 'Message filters' });
    await filters.getByLabel('Control ID (MSH-10)').fill(controlId);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(log.getByRole('row')).toHaveCount(2);
    const row = log.getByRole('row', { name: new RegExp(controlId) });
    await expect(row.getByText('failed')).toBeVisible();
    await expect(row.getByText('101', { exact: true })).toBeVisible();
    await expect(row.getByText(/Required field missing/)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`controlId=${controlId}`));
    await expectAccessible(page, 'message log filtered by control id');
    await snap(page, '04-log-by-control-id');

    // By the patient's MRN (any field it arrived in); the identifier never enters the address bar.
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await expect(log.getByRole('row')).toHaveCount(4);
    await filters.getByLabel('Patient identifier').fill(missing.mrn);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(log.getByRole('row')).toHaveCount(2);
    await expect(log.getByRole('row', { name: new RegExp(controlId) })).toBeVisible();
    expect(page.url()).not.toContain(missing.mrn);

    await log.getByRole('link', { name: `Open message ${controlId}` }).click();
    await expect(page.getByRole('heading', { name: `Message ${controlId}` })).toBeVisible();
    const summary = page.getByRole('region', { name: 'Summary' });
    await expect(summary.getByRole('note')).toContainText('Error 101');
    await expect(summary.getByRole('note')).toContainText(/patient identifier in PID-3/);
    const raw = page.getByRole('region', { name: 'Raw message' }).getByLabel('Raw message segments');
    await expect(raw).toContainText(`PID|1|${missing.mrn}^^^${facility}^MR||`);
    await expect(page.getByRole('region', { name: 'Acknowledgments' }).getByLabel('ACK sent')).toContainText(`MSA|AA|${controlId}`);
    await expect(page.getByRole('region', { name: 'FHIR output' })).toContainText('Nothing yet');
    await expect(page.getByRole('region', { name: 'Events and webhook deliveries' })).toContainText('Only a processed message raises events');
    await expectAccessible(page, 'failed message');
    await snap(page, '04-failed-message');

    // The fix: this site's MRN is PID-2. The preview replays the stored messages first.
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.getByRole('link', { name: 'Edit dialect' }).click();
    await page.getByLabel('Dialect (JSON)').fill(JSON.stringify({ patientIdentifier: { field: 'PID-2' } }, null, 2));
    await page.getByLabel('Replay the last N stored messages').fill('10');
    await page.getByRole('button', { name: 'Preview' }).click();
    const replay = page.getByRole('region', { name: 'Replay of stored messages' });
    await expect(replay.getByText(/Replayed 3 stored messages: .* 1 would now succeed\./)).toBeVisible();
    await expect(replay.getByRole('row', { name: new RegExp(`${controlId}.*would now succeed`) })).toBeVisible();
    await expect(replay.getByRole('table', { name: 'Replay results' }).getByText('would now fail')).toHaveCount(0);
    await expectAccessible(page, 'dialect fix preview');
    await page.getByRole('button', { name: 'Save dialect' }).click();
    await expect(page.getByText(/Dialect saved/)).toBeVisible();
    await snap(page, '04-dialect-fix');

    // Back to the message (the replay links to it), reprocessed under the saved dialect.
    await replay.getByRole('link', { name: controlId }).click();
    await expect(page.getByRole('heading', { name: `Message ${controlId}` })).toBeVisible();
    await page.getByRole('button', { name: 'Reprocess' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Reprocessed: now' })).toContainText('processed', { timeout: 30_000 });
    await expect(summary.getByRole('note')).toHaveCount(0);
    const fhir = page.getByRole('region', { name: 'FHIR output' });
    await expect(fhir.getByRole('button', { name: /^Observation\// })).toBeVisible();
    await fhir.getByRole('button', { name: /^Patient\// }).click();
    await expect(fhir.getByText(missing.mrn).first()).toBeVisible();

    // The result.received event went to the app's endpoint: delivered, with its attempt.
    const trail = page.getByRole('region', { name: 'Events and webhook deliveries' });
    const deliveries = trail.getByRole('table', { name: 'Webhook deliveries' });
    await expect(async () => {
      await trail.getByRole('button', { name: 'Refresh' }).click();
      await expect(deliveries.getByRole('cell', { name: /^succeeded 1 attempt/ })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(trail.getByText('result.received', { exact: true })).toBeVisible();
    await expect(deliveries.getByText(/HTTP 200 · \d+ ms/)).toBeVisible();
    const webhookId = (await trail.getByText(/^webhook-id [0-9a-f-]{36}$/).locator('code').textContent())!.trim();
    expect(receiver.received.some((r) => r.body.includes(webhookId) && r.body.includes('result.received'))).toBe(true);
    await expectAccessible(page, 'processed message with its event');
    await snap(page, '04-processed-with-event');

    await deliveries.getByRole('link', { name: receiver.url('/switchboard/results') }).click();
    await expect(page.getByRole('heading', { name: 'Care-team app results' })).toBeVisible();
    await page.getByRole('tab', { name: 'Attempts' }).click();
    const attempt = page.getByRole('table', { name: 'Attempts' }).getByRole('row', { name: new RegExp(webhookId) });
    await expect(attempt.getByText('succeeded')).toBeVisible();
    await expect(attempt.getByRole('cell', { name: '200', exact: true })).toBeVisible();
    await expectAccessible(page, 'webhook endpoint attempts');
    await snap(page, '04-webhook-attempt');
  } finally {
    await receiver.close();
  }
});

test('without the PHI grant the message log shows metadata only, and the API refuses content and patient lookups', async ({ guardedPage: page }) => {
  const tenant = await newTenant('NoPhi');
  const facility = unique('EASTLAB').toUpperCase();
  const site = await api('POST', '/v1/connections', {
    token: tenant.key,
    body: { name: `Eastside Lab ${facility.slice(-8)}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility },
  });
  const patient = { family: 'Penhallow', given: 'Rosalind', mrn: unique('EL') };
  for (const v of Object.values(patient)) recordNeedle(v);
  const controlId = `${facility}-1`;
  await sendHl7([oru({ application: 'LIS', facility, controlId, ...patient })]);
  await expect.poll(async () => (await api('GET', `/v1/connections/${site.body.id}/hl7/messages`, { token: tenant.key })).body.items[0]?.status).toBe('processed');
  const messageId = (await api('GET', `/v1/connections/${site.body.id}/hl7/messages`, { token: tenant.key })).body.items[0].id as string;

  await signIn(page, await newUser(tenant.id, 'admin', false));
  await page.goto(`${stack.base}/console/connections/${site.body.id}/messages`);
  await expect(page.getByRole('note').filter({ hasText: 'Metadata only' })).toBeVisible();
  const log = page.getByRole('table', { name: 'Messages' });
  await expect(log.getByText(controlId)).toBeVisible();
  await expect(log.getByRole('link')).toHaveCount(0);
  await expect(page.getByLabel('Patient identifier')).toHaveCount(0);
  await expectAccessible(page, 'message log without the PHI grant');
  await snap(page, '04-log-without-phi');

  await page.goto(`${stack.base}/console/connections/${site.body.id}/messages/${messageId}`);
  await expect(page.getByRole('note').filter({ hasText: 'Needs the PHI grant' })).toBeVisible();
  await expect(page.getByText(patient.family)).toHaveCount(0);
  await expectAccessible(page, 'message detail without the PHI grant');

  // Called anyway: the content read and a patient lookup (any value: it is refused before any match) are 403.
  const answers = await page.evaluate(
    async ({ id, mid }) => {
      const me = await (await fetch('/v1/console/me')).json();
      const detail = await fetch(`/v1/connections/${id}/hl7/messages/${mid}`);
      const lookup = await fetch(`/v1/connections/${id}/hl7/messages/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ patientIdentifier: 'ANY-MRN-1' }),
      });
      return { detail: detail.status, lookup: lookup.status };
    },
    { id: site.body.id as string, mid: messageId },
  );
  expect(answers).toEqual({ detail: 403, lookup: 403 });
});
