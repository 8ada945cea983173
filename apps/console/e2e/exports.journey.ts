/**
 * Journey 10 — Bulk Data exports from the console (issue 14).
 *
 * An admin with the PHI grant opens a connection's Exports page and exports its
 * patients' records: the export's progress is followed as the API's Retry-After
 * paces the polls, the completed export lists its files with their counts, and a
 * downloaded file holds exactly as many lines as the count shown. On an Oracle
 * Health sandbox connection (one click): Oracle runs one export at a time, so a
 * second kick-off is refused with the API's reason and the wait; the running
 * export is cancelled after a confirmation naming it; a new one then completes.
 * On an HL7 v2 site: the records kept from its lab results are exported from the
 * gateway's own store. The exported patients' names and MRNs are PHI: they must
 * not reach the browser's console, storage or URLs (nor the processes' logs).
 */
import type { Locator, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { api, expect, expectAccessible, newTenant, newUser, recordNeedle, sandbox, signIn, snap as fullPageSnap, test, unique } from './fixtures';
import { ackCode, oru, sendHl7 } from './hl7-site';

/** A full-page screenshot from the top: scrolled down, the fixed header would sit mid-page in it. */
async function snap(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullPageSnap(page, name);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Resources cell of a file's row in the Files table, as a number. */
async function countShown(files: Locator, type: string): Promise<number> {
  const row = files.getByRole('row', { name: new RegExp(`^${type} `) });
  const cell = row.getByRole('cell').nth(1);
  return Number((await cell.innerText()).replace(/[^\d]/g, ''));
}

/** Clicks a file's Download button and reads the file the browser saved: its lines (NDJSON, one resource each). */
async function download(page: Page, files: Locator, fileName: string): Promise<{ name: string; lines: string[] }> {
  const [file] = await Promise.all([page.waitForEvent('download'), files.getByRole('button', { name: `Download ${fileName}` }).click()]);
  const path = await file.path();
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return { name: file.suggestedFilename(), lines };
}

/** Every patient name and identifier in an NDJSON file of Patients: PHI the browser must not keep. */
function recordPatients(lines: readonly string[]): void {
  for (const line of lines) {
    const p = JSON.parse(line) as { name?: { family?: string; given?: string[] }[]; identifier?: { value?: string }[] };
    for (const n of p.name ?? []) for (const v of [n.family, ...(n.given ?? [])]) if (v) recordNeedle(v);
    for (const i of p.identifier ?? []) if (i.value) recordNeedle(i.value);
  }
}

test('an admin exports from an Oracle Health sandbox: progress, the one-at-a-time rule, a cancelled export, then files with counts and a download', async ({
  guardedPage: page,
}) => {
  test.setTimeout(180_000);
  const settings = (await sandbox('GET', '/_sandbox/bulk/settings')).body.oracle as { jobDurationMs: number };
  // Oracle's job runs long enough to be seen running and cancelled.
  expect((await sandbox('PUT', '/_sandbox/bulk/settings', { vendor: 'oracle', jobDurationMs: 120_000 })).status).toBe(200);
  try {
    const tenant = await newTenant('Exports');
    await signIn(page, await newUser(tenant.id, 'admin', true));

    await page.getByRole('link', { name: /add connection/i }).first().click();
    await page.getByRole('radio', { name: 'Oracle Health' }).check();
    await page.getByRole('radio', { name: /^Sandbox/ }).check();
    await page.getByRole('button', { name: 'Connect to the sandbox EHR' }).click();
    await expect(page.getByText(/^live$/i).first()).toBeVisible({ timeout: 30_000 });
    const name = await page.getByRole('heading', { level: 1 }).innerText();

    await page.getByRole('link', { name: 'Exports', exact: true }).click();
    await expect(page.getByRole('heading', { name: `Exports · ${name}`, level: 1 })).toBeVisible();
    const form = page.getByRole('form', { name: 'Start an export' });
    await expect(page.getByText(/Oracle Health runs one export at a time/)).toBeVisible();
    // Oracle exports by group; the connection has one, chosen already.
    const group = form.getByRole('combobox', { name: /Group/ });
    await expect(group).not.toHaveValue('');
    const groupId = await group.inputValue();
    await expect(page.getByText('No exports yet')).toBeVisible();
    await expectAccessible(page, 'exports, none started');
    await snap(page, '10-exports-empty');

    // The first export: observations, still running at Oracle.
    await form.getByRole('checkbox', { name: 'Observation', exact: true }).check();
    await form.getByRole('button', { name: 'Start export' }).click();
    const first = page.getByRole('region', { name: new RegExp(`^Export Group ${escape(groupId)} · Observation, started `) });
    // The bar's value is the API's X-Progress (early in Oracle's two-minute job, still 0%).
    await expect(first.getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^\d+$/);
    await expect(first.getByText(/\d+% complete · checking again in \d+ s/)).toBeVisible();
    await expect(first.getByText('Running')).toBeVisible();

    // A second one while it runs: refused by the one-at-a-time rule, with the reason and the wait.
    await form.getByRole('checkbox', { name: 'Observation', exact: true }).uncheck();
    await form.getByRole('checkbox', { name: 'Patient', exact: true }).check();
    await form.getByRole('button', { name: 'Start export' }).click();
    const refused = form.getByRole('alert');
    await expect(refused).toContainText('The export was refused for now');
    await expect(refused).toContainText('An export is already running on this connection');
    await expect(refused).toContainText('rate_limited');
    await expect(refused).toContainText(/Try again in 1 minute \(after .+\)\./);
    await expectAccessible(page, 'exports, one running and one refused');
    await snap(page, '10-exports-running-and-refused');

    // Cancel the running export: the confirmation names it and what is lost.
    await first.getByRole('button', { name: 'Cancel export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this export?' });
    await expect(dialog).toContainText(`Group ${groupId} · Observation`);
    await expect(dialog).toContainText(name);
    await expect(dialog).toContainText('the files it has written so far are deleted');
    await expectAccessible(page, 'cancel export confirmation');
    await snap(page, '10-exports-cancel-confirm');
    await dialog.getByRole('button', { name: 'Cancel export' }).click();
    await expect(dialog).toBeHidden();
    await expect(first.getByText('Cancelled', { exact: true })).toBeVisible();
    await expect(first.getByRole('progressbar')).toHaveCount(0);

    // Oracle is free again: the patients' export now runs to completion.
    expect((await sandbox('PUT', '/_sandbox/bulk/settings', { vendor: 'oracle', jobDurationMs: 4_000 })).status).toBe(200);
    await form.getByRole('button', { name: 'Start export' }).click();
    await expect(refused).toHaveCount(0);
    const second = page.getByRole('region', { name: new RegExp(`^Export Group ${escape(groupId)} · Patient, started `) });
    await expect(second.getByText(/% complete/).or(second.getByText('Complete', { exact: true }))).toBeVisible();
    const files = second.getByRole('table', { name: 'Files' });
    await expect(files).toBeVisible({ timeout: 60_000 });
    await expect(second.getByText('Complete', { exact: true })).toBeVisible();
    const shown = await countShown(files, 'Patient');
    expect(shown).toBeGreaterThan(0);
    await expect(second.getByText(new RegExp(`^${shown} resources? · Patient ${shown}$`))).toBeVisible();

    const saved = await download(page, files, 'output-1.Patient.ndjson');
    expect(saved.name).toMatch(/^export-[0-9a-f-]{8}-output-1\.Patient\.ndjson$/);
    recordPatients(saved.lines);
    expect(saved.lines).toHaveLength(shown);
    expect(saved.lines.every((l) => (JSON.parse(l) as { resourceType: string }).resourceType === 'Patient')).toBe(true);
    await expectAccessible(page, 'exports, one cancelled and one complete');
    await snap(page, '10-exports-complete');
  } finally {
    await sandbox('PUT', '/_sandbox/bulk/settings', { vendor: 'oracle', jobDurationMs: settings.jobDurationMs });
  }
});

test('an admin exports an HL7 v2 site’s records from the gateway’s store and downloads a file with as many lines as shown', async ({ guardedPage: page }) => {
  const tenant = await newTenant('StoreExport');
  const facility = unique('EASTLAB').toUpperCase();
  const application = 'LABSYS';
  const site = await api('POST', '/v1/connections', {
    token: tenant.key,
    body: { name: `Eastside Lab ${facility.slice(-8)}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility, hl7SendingApplication: application },
  });
  expect(site.status).toBe(201);
  const connectionId = site.body.id as string;
  const patients = [
    { family: 'Wintergreen', given: 'Rosalind', mrn: unique('EL') },
    { family: 'Haverbrook', given: 'Florian', mrn: unique('EL') },
  ];
  for (const p of patients) for (const v of [p.family, p.given, p.mrn]) recordNeedle(v);
  const acks = await sendHl7(patients.map((p, i) => oru({ application, facility, controlId: `${facility}-${i + 1}`, ...p, value: String(95 + i) })));
  expect(acks.map(ackCode)).toEqual(['AA', 'AA']);
  await expect
    .poll(async () => (await api('GET', `/v1/connections/${connectionId}/hl7/messages`, { token: tenant.key })).body.items.map((m: { status: string }) => m.status))
    .toEqual(['processed', 'processed']);

  await signIn(page, await newUser(tenant.id, 'admin', true));
  await page.getByRole('table', { name: 'Connections' }).getByRole('link', { name: site.body.name }).click();
  await page.getByRole('link', { name: 'Exports', exact: true }).click();
  await expect(page.getByRole('heading', { name: `Exports · ${site.body.name}`, level: 1 })).toBeVisible();
  const form = page.getByRole('form', { name: 'Start an export' });
  // A site's store exports at the three levels; its one group is every patient it sent.
  await expect(form.getByRole('radio')).toHaveCount(3);
  await expect(form.getByRole('combobox', { name: /Group/ })).toHaveValue('all-patients');
  await form.getByRole('checkbox', { name: 'Patient', exact: true }).check();
  await form.getByRole('checkbox', { name: 'Observation', exact: true }).check();
  await form.getByRole('button', { name: 'Start export' }).click();

  const card = page.getByRole('region', { name: /^Export Group all-patients · Patient, Observation, started / });
  const files = card.getByRole('table', { name: 'Files' });
  await expect(files).toBeVisible({ timeout: 30_000 });
  expect(await countShown(files, 'Patient')).toBe(2);
  expect(await countShown(files, 'Observation')).toBe(2);
  await expect(card.getByText('4 resources · Observation 2 · Patient 2')).toBeVisible();
  await expectAccessible(page, 'HL7 v2 site export complete');
  await snap(page, '10-exports-hl7-complete');

  const saved = await download(page, files, 'output-1.Patient.ndjson');
  expect(saved.lines).toHaveLength(await countShown(files, 'Patient'));
  const exported = saved.lines.join('\n');
  for (const p of patients) expect(exported).toContain(p.mrn);
  // The download went to a file: the page holds no trace of its content.
  expect(await page.content()).not.toContain(patients[0]!.mrn);
});
