/**
 * Journey 5 — webhooks. A developer registers the care-team app's endpoint with
 * event types picked from the catalog (reading one type's schema and example);
 * the signing secret is shown once with a copy button and is gone from the page
 * after the dialog closes (the receiver verifies every delivery's signature with
 * it). A test event shows its attempt (status, HTTP code, latency, response
 * excerpt). The app then breaks on results: the delivery fails, and when the
 * receiver answers 410 Gone Switchboard dead-letters it and disables the
 * endpoint. After the fix: enable, deliver the dead letter again, replay a time
 * range, rotate the secret (the new one shown once and signing from then on),
 * disable and enable.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, signIn, snap, test, unique } from './fixtures';
import { oru, sendHl7 } from './hl7-site';

interface Delivery {
  id: string;
  type: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The care-team app's webhook receiver: records each delivery and answers as `reply` says, with a small JSON body. */
async function careTeamApp(reply: (d: Delivery, earlierTries: number) => number) {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { id: string; type: string };
      const delivery = { id: parsed.id, type: parsed.type, headers: req.headers, body };
      const status = reply(delivery, received.filter((r) => r.id === delivery.id).length);
      received.push(delivery);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ app: 'care-team', accepted: status < 300 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchboard`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Standard Webhooks: one of the `v1,` signatures is HMAC-SHA256 of "id.timestamp.body" under the secret's key. */
function signedWith(d: Delivery, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${String(d.headers['webhook-id'])}.${String(d.headers['webhook-timestamp'])}.${d.body}`).digest('base64');
  return String(d.headers['webhook-signature'])
    .split(' ')
    .includes(`v1,${expected}`);
}

/** `YYYY-MM-DDTHH:mm` in the browser's (this machine's) time zone, as a datetime-local input takes it. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

test('a developer adds an endpoint from the catalog, tests it, works through dead letters and replays, rotates the secret, disables and enables it', async ({ guardedPage: page }) => {
  test.setTimeout(180_000);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  let resultsBroken = false;
  // While broken, results fail: 500 the first time, then 410 Gone (the app's route was removed by a bad deploy).
  const app = await careTeamApp((d, earlier) => (resultsBroken && d.type === 'result.received' ? (earlier === 0 ? 500 : 410) : 200));
  try {
    const tenant = await newTenant('Hooks');
    const facility = unique('HOOKLAB').toUpperCase();
    const site = await api('POST', '/v1/connections', {
      token: tenant.key,
      body: { name: `Harbor Lab ${facility.slice(-8)}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility },
    });
    expect(site.status).toBe(201);
    const started = new Date(Date.now() - 2 * 60_000);

    await signIn(page, await newUser(tenant.id, 'developer'));
    await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByText('No webhook endpoints yet')).toBeVisible();
    await expectAccessible(page, 'webhooks (empty)');
    await page.getByRole('link', { name: 'Add endpoint' }).click();

    await page.getByLabel('Endpoint URL').fill(app.url);
    await page.getByLabel('Description').fill('Care-team app');
    const types = page.getByRole('group', { name: 'Event types' });
    await types.getByRole('checkbox', { name: 'result.received' }).check();
    await types.getByRole('checkbox', { name: 'patient.admitted' }).check();
    await types.getByRole('button', { name: 'Schema and example of result.received' }).click();
    await expect(types.getByText('JSON Schema of data')).toBeVisible();
    await expect(types.getByText('Example', { exact: true })).toBeVisible();
    await expect(types.getByText(/"report"/).first()).toBeVisible();
    await expectAccessible(page, 'new webhook endpoint');
    await snap(page, '05-new-endpoint');
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    // The secret, once: copied, recorded, and gone when the dialog closes.
    const dialog = page.getByRole('dialog', { name: 'Signing secret' });
    const shown = dialog.getByLabel('Signing secret');
    await expect(shown).toHaveText(/^whsec_/);
    const secret = (await shown.textContent())!.trim();
    recordNeedle(secret);
    await dialog.getByRole('button', { name: 'Copy secret' }).click();
    await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectAccessible(page, 'signing secret dialog');
    await snap(page, '05-secret-once');
    await dialog.getByRole('button', { name: 'I have stored it, close' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Care-team app', level: 1 })).toBeVisible();
    expect(await page.content()).not.toContain(secret);
    // Clear the clipboard so nothing of the secret stays behind in the browser.
    await page.evaluate(() => navigator.clipboard.writeText(''));

    // A test event: its attempt with status, HTTP status, latency and the app's answer.
    const testPanel = page.getByRole('region', { name: 'Test event' });
    await testPanel.getByRole('button', { name: 'Send test event' }).click();
    const attempt = testPanel.getByLabel('Test attempt');
    await expect(attempt.getByText('succeeded')).toBeVisible({ timeout: 30_000 });
    await expect(attempt).toContainText('200');
    await expect(attempt).toContainText(/\d+ ms/);
    await expect(attempt.getByText(/"app":"care-team"|not recorded by the API/)).toBeVisible();
    const testDelivery = app.received.find((d) => d.type === 'endpoint.test')!;
    expect(signedWith(testDelivery, secret)).toBe(true);
    await expectAccessible(page, 'endpoint with test attempt');
    await snap(page, '05-test-attempt');

    // The app breaks on results; a lab result arrives.
    resultsBroken = true;
    const patient = { family: 'Wrenfield', given: 'Celeste', mrn: unique('HL') };
    for (const v of Object.values(patient)) recordNeedle(v);
    await sendHl7([oru({ application: 'LIS', facility, controlId: `${facility}-1`, ...patient })]);
    // 500, then (after the first retry, ~5 s) 410 Gone: a dead letter, and Switchboard disables the endpoint.
    await expect.poll(() => app.received.filter((d) => d.type === 'result.received').length, { timeout: 30_000 }).toBe(2);
    const resultEvent = app.received.find((d) => d.type === 'result.received')!.id;

    await expect(async () => {
      await page.reload();
      await expect(page.getByRole('note').filter({ hasText: 'Switchboard disabled this endpoint' })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Attempts' }).click();
    const attempts = page.getByRole('table', { name: 'Attempts' });
    // Status and HTTP code as adjacent cells: the row's name also repeats the event id, whose hex may hold "410".
    await expect(attempts.getByRole('row', { name: new RegExp(`${resultEvent} failed 500 `) })).toBeVisible();
    await expect(attempts.getByRole('row', { name: new RegExp(`${resultEvent} failed 410 `) })).toBeVisible();
    await page.getByRole('tab', { name: 'Dead letters' }).click();
    const dead = page.getByRole('table', { name: 'Dead letters' }).getByRole('row', { name: new RegExp(resultEvent) });
    await expect(dead).toContainText('result.received');
    await expect(dead).toContainText('HTTP 410');
    await expect(dead.getByRole('cell', { name: '2', exact: true })).toBeVisible();
    await expectAccessible(page, 'dead letters');
    await snap(page, '05-dead-letters');

    // The app is fixed: enable, then deliver the dead letter again.
    resultsBroken = false;
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Enable endpoint' }).click();
    await expect(page.getByRole('note').filter({ hasText: 'Switchboard disabled this endpoint' })).toHaveCount(0);
    await page.getByRole('tab', { name: 'Dead letters' }).click();
    await page.getByRole('button', { name: `Deliver event ${resultEvent} again` }).click();
    // Scheduled again, it leaves the dead letters (the delivery is pending, then succeeds).
    await expect(page.getByRole('tabpanel', { name: 'Dead letters' }).getByText('No dead letters')).toBeVisible();
    await expect.poll(() => app.received.filter((d) => d.id === resultEvent).length, { timeout: 30_000 }).toBe(3);
    await page.getByRole('tab', { name: 'Attempts' }).click();
    await expect(async () => {
      await page.reload();
      await page.getByRole('tab', { name: 'Attempts' }).click();
      await expect(page.getByRole('table', { name: 'Attempts' }).getByRole('row', { name: new RegExp(`${resultEvent} succeeded 200 `) })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });

    // Replay a range: everything subscribed since the journey began, with the same webhook-id as before.
    await page.getByRole('tab', { name: 'Replay' }).click();
    const range = page.getByRole('form', { name: 'Replay a time range' });
    await range.getByLabel('Since').fill(localInput(started));
    await range.getByRole('button', { name: 'Replay' }).click();
    await expect(range.getByRole('status')).toHaveText(/^1 deliveries scheduled/);
    await expect.poll(() => app.received.filter((d) => d.id === resultEvent).length, { timeout: 30_000 }).toBe(4);
    await expectAccessible(page, 'replay');
    await snap(page, '05-replay');

    // Rotate: the new secret is shown once and signs from now on (the old one too, for the grace period).
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = page.getByRole('dialog', { name: 'Signing secret' }).getByLabel('Signing secret');
    await expect(rotated).toHaveText(/^whsec_/);
    const newSecret = (await rotated.textContent())!.trim();
    recordNeedle(newSecret);
    expect(newSecret).not.toBe(secret);
    await page.getByRole('button', { name: 'I have stored it, close' }).click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    expect(await page.content()).not.toContain(newSecret);
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect(page.getByText('Previous secret signs until')).toBeVisible();
    const before = app.received.length;
    await testPanel.getByRole('button', { name: 'Send test event' }).click();
    await expect.poll(() => app.received.length, { timeout: 30_000 }).toBe(before + 1);
    const afterRotation = app.received[before]!;
    expect(signedWith(afterRotation, newSecret)).toBe(true);
    expect(signedWith(afterRotation, secret)).toBe(true);

    // Disable (named in the confirmation), then enable again.
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: `Disable Care-team app (${app.url})?` });
    await confirm.getByRole('button', { name: 'Disable endpoint' }).click();
    await expect(page.getByText('disabled', { exact: true }).first()).toBeVisible();
    await expect(testPanel.getByRole('button', { name: 'Send test event' })).toBeDisabled();
    await expectAccessible(page, 'disabled endpoint');
    await snap(page, '05-disabled');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Enable endpoint' }).click();
    await expect(testPanel.getByRole('button', { name: 'Send test event' })).toBeEnabled();

    await page.getByRole('link', { name: 'Webhooks' }).first().click();
    const list = page.getByRole('table', { name: 'Webhook endpoints' });
    await expect(list.getByRole('link', { name: app.url })).toBeVisible();
    await expectAccessible(page, 'webhooks');
    expect(await page.content()).not.toContain(secret);
  } finally {
    await app.close();
  }
});
