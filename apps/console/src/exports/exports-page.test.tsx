import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { connection, createFakeApi, json } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { EPIC_ID, HL7_ID, manifest, outcome, running, serveEpic, serveExportList, serveHl7, serveSession, summary } from './test-fixtures';

const PAGE_LOAD = { timeout: 10_000 };
/** The status is polled on Retry-After (1 s in these answers). */
const POLLED = { timeout: 8_000 };
const GROUP = 'eIscQb2HmqkT.aPxBKDO1mIw3';

/** URL.createObjectURL/revokeObjectURL (jsdom has neither) and the link click: the blobs the page handed to a download. */
function captureDownloads() {
  const saved: { blob: Blob; name: string }[] = [];
  const revoked: string[] = [];
  let pending: Blob | null = null;
  Object.assign(URL, {
    createObjectURL: (b: Blob) => ((pending = b), `blob:export-${saved.length}`),
    revokeObjectURL: (u: string) => revoked.push(u),
  });
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (pending) saved.push({ blob: pending, name: this.download });
    pending = null;
  };
  return {
    saved,
    revoked,
    restore: () => {
      HTMLAnchorElement.prototype.click = click;
      Reflect.deleteProperty(URL, 'createObjectURL');
      Reflect.deleteProperty(URL, 'revokeObjectURL');
    },
  };
}

async function startExport(types: string[] = []) {
  const form = await screen.findByRole('form', { name: 'Start an export' }, PAGE_LOAD);
  for (const t of types) await userEvent.click(within(form).getByRole('checkbox', { name: t }));
  await userEvent.click(within(form).getByRole('button', { name: 'Start export' }));
}

describe('exports page', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('shows a user without the PHI grant the exports (metadata) and a note, but no form, downloads or cancel', async () => {
    const api = createFakeApi();
    serveSession(api, 'viewer', false);
    serveEpic(api);
    serveExportList(api, EPIC_ID, [
      summary(EPIC_ID, { id: 'e-done', status: 'completed', progressPercent: 100, resourceCount: 5, counts: { Patient: 5 }, completedAt: '2026-12-03T09:01:00.000Z' }),
    ]);
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-done`, json(200, manifest(EPIC_ID, 'e-done', [{ type: 'Patient', count: 5 }])));
    renderConsole(`/connections/${EPIC_ID}/exports`, api);

    expect(await screen.findByRole('heading', { name: 'Exports · St. Mary’s Epic' }, PAGE_LOAD)).toBeInTheDocument();
    expect(await screen.findByText('Needs the PHI grant')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Start an export' })).not.toBeInTheDocument();
    expect(api.sent('GET', `/fhir/r4/${EPIC_ID}/Group`)).toHaveLength(0);

    const card = await screen.findByRole('region', { name: /^Export Group .* · every type, started/ });
    expect(within(card).getByText('Complete')).toBeInTheDocument();
    expect(within(card).getByText('5 resources · Patient 5')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: /Delete export|Cancel export/ })).not.toBeInTheDocument();
    await userEvent.click(within(card).getByRole('button', { name: 'Show files' }));
    const files = await within(card).findByRole('table', { name: 'Files' });
    expect(within(files).getByRole('row', { name: /Patient 5 output-1\.Patient\.ndjson/ })).toBeInTheDocument();
    expect(within(files).queryByRole('button', { name: /Download/ })).not.toBeInTheDocument();
  });

  it('checks the form before asking the API: a group is needed, and “changed since” must be in the past', async () => {
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    serveEpic(api, ['group-a', 'group-b']);
    serveExportList(api, EPIC_ID);
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-new`, running('5% complete', 60));
    renderConsole(`/connections/${EPIC_ID}/exports`, api);

    const form = await screen.findByRole('form', { name: 'Start an export' }, PAGE_LOAD);
    expect(screen.getByText(/Epic exports one group at most once every 24 hours/)).toBeInTheDocument();
    expect(await screen.findByText('No exports yet')).toBeInTheDocument();
    // Epic exports by group only: no level choice.
    expect(within(form).queryByRole('radio')).not.toBeInTheDocument();
    fireEvent.change(within(form).getByLabelText(/Changed since/), { target: { value: '2999-01-01T10:00' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Start export' }));

    expect(within(form).getByText('Choose the group to export')).toBeInTheDocument();
    expect(within(form).getByText('Must be in the past')).toBeInTheDocument();
    expect(api.requests.filter((r) => r.path.includes('$export'))).toHaveLength(0);

    await userEvent.selectOptions(within(form).getByRole('combobox', { name: /Group/ }), 'group-b');
    fireEvent.change(within(form).getByLabelText(/Changed since/), { target: { value: '2026-11-01T08:30' } });
    await userEvent.click(within(form).getByRole('button', { name: 'Start export' }));

    await waitFor(() => expect(api.sent('GET', `/fhir/r4/${EPIC_ID}/Group/group-b/$export`)).toHaveLength(1));
    const sent = new URL(api.sent('GET', `/fhir/r4/${EPIC_ID}/Group/group-b/$export`)[0]?.path ?? '', 'http://x');
    expect(sent.searchParams.get('_since')).toBe(new Date('2026-11-01T08:30').toISOString());
    expect(sent.searchParams.has('_type')).toBe(false);
    expect(await screen.findByRole('region', { name: /^Export Group group-b · every type · changed since .*, started/ })).toBeInTheDocument();
  });

  it('starts an export, shows its progress from X-Progress, then the files with their counts, and downloads one', async () => {
    const downloads = captureDownloads();
    restore = downloads.restore;
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    serveEpic(api);
    const exports = serveExportList(api, EPIC_ID, [], () => 'e-7f3a9c');
    let polls = 0;
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-7f3a9c`, () => {
      polls += 1;
      if (polls === 1) return running('40% complete', 1);
      exports.update('e-7f3a9c', { status: 'completed', progressPercent: 100, resourceCount: 1253, counts: { Patient: 3, Observation: 1250 } });
      return json(200, manifest(EPIC_ID, 'e-7f3a9c', [{ type: 'Patient', count: 3 }, { type: 'Observation', count: 1250 }], ['OperationOutcome']), { expires: 'Fri, 04 Dec 2026 09:00:00 GMT' });
    });
    const ndjson = '{"resourceType":"Patient","id":"p1","name":[{"family":"Quillfeather"}]}\n{"resourceType":"Patient","id":"p2"}\n{"resourceType":"Patient","id":"p3"}\n';
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-file/e-7f3a9c/output-1.Patient.ndjson`, { status: 200, raw: ndjson, headers: { 'content-type': 'application/fhir+ndjson' } });
    const { client } = renderConsole(`/connections/${EPIC_ID}/exports`, api);

    await startExport(['Patient', 'Observation']);
    const [kickOff] = api.sent('GET', `/fhir/r4/${EPIC_ID}/Group/${GROUP}/$export`);
    expect(kickOff?.headers).toMatchObject({ accept: 'application/fhir+json', prefer: 'respond-async' });
    expect(new URL(kickOff?.path ?? '', 'http://x').searchParams.get('_type')).toBe('Patient,Observation');

    const card = await screen.findByRole('region', { name: /^Export Group eIscQb2HmqkT\.aPxBKDO1mIw3 · Patient, Observation, started/ });
    const progress = await within(card).findByRole('progressbar');
    await waitFor(() => expect(progress).toHaveAttribute('aria-valuenow', '40'));
    expect(within(card).getByText(/40% complete · checking again in 1 s/)).toBeInTheDocument();
    expect(within(card).getByText('Running')).toBeInTheDocument();

    // Started here, so its files are shown as soon as it completes.
    const files = await within(card).findByRole('table', { name: 'Files' }, POLLED);
    expect(within(card).getByText('Complete')).toBeInTheDocument();
    expect(within(card).getByText('1,253 resources · Observation 1,250 · Patient 3')).toBeInTheDocument();
    expect(within(card).getByText(/files kept until/)).toBeInTheDocument();
    const patientRow = within(files).getByRole('row', { name: /Patient 3 output-1\.Patient\.ndjson/ });
    expect(within(files).getByRole('row', { name: /Observation 1,250 output-2\.Observation\.ndjson/ })).toBeInTheDocument();
    expect(within(files).getByRole('row', { name: /OperationOutcome issues/ })).toBeInTheDocument();
    // The list is read again once the status says complete.
    await waitFor(() => expect(api.sent('GET', `/v1/connections/${EPIC_ID}/bulk-exports`).length).toBeGreaterThanOrEqual(3));
    const pollsWhenDone = polls;

    await userEvent.click(within(patientRow).getByRole('button', { name: 'Download output-1.Patient.ndjson' }));
    await waitFor(() => expect(downloads.saved).toHaveLength(1));
    const [saved] = downloads.saved;
    expect(saved?.name).toBe('export-e-7f3a9c-output-1.Patient.ndjson');
    expect(await saved?.blob.text()).toBe(ndjson);
    await waitFor(() => expect(downloads.revoked).toEqual(['blob:export-0']));
    // The file's content (PHI) is kept nowhere: not in the query cache, not in the mutation cache.
    const cached = JSON.stringify([client.getQueryCache().getAll().map((q) => q.state.data), client.getMutationCache().getAll().map((m) => m.state.data)]);
    expect(cached).not.toContain('Quillfeather');
    expect(polls).toBe(pollsWhenDone);
  });

  it('says why a vendor rule refused the kick-off and how long to wait (429)', async () => {
    const api = createFakeApi();
    serveSession(api, 'developer', true);
    serveEpic(api);
    serveExportList(api, EPIC_ID);
    api.on(
      'GET',
      `/fhir/r4/${EPIC_ID}/Group/:group/$export`,
      outcome(429, 'rate_limited', 'This group was exported too recently; the EHR refuses another export yet', [], { 'retry-after': '86399' }),
    );
    renderConsole(`/connections/${EPIC_ID}/exports`, api);

    await startExport();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The export was refused for now');
    expect(alert).toHaveTextContent('This group was exported too recently; the EHR refuses another export yet');
    expect(alert).toHaveTextContent('rate_limited');
    expect(alert).toHaveTextContent(/Try again in 24 hours \(after .+\)\./);
    expect(screen.getByText('No exports yet')).toBeInTheDocument();
  });

  it('shows an export that failed with its error code, and stops polling it', async () => {
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    serveEpic(api);
    const exports = serveExportList(api, EPIC_ID, [], () => 'e-bad');
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-bad`, () => {
      exports.update('e-bad', { status: 'failed', errorCode: 'vendor_export_failed' });
      return outcome(500, 'internal_error', 'The export failed');
    });
    renderConsole(`/connections/${EPIC_ID}/exports`, api);

    await startExport(['Patient']);
    const card = await screen.findByRole('region', { name: /^Export Group .* · Patient, started/ });
    expect(await within(card).findByText('The export did not complete')).toBeInTheDocument();
    expect(within(card).getByText('Failed')).toBeInTheDocument();
    // The list's error code (the reason) replaces the status answer's generic one once read again.
    expect(await within(card).findByText('vendor_export_failed')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: /Cancel export|Delete export/ })).not.toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(api.sent('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-bad`)).toHaveLength(1);
  });

  it('cancels a running export only after a confirmation that names it, then stops polling', async () => {
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    serveEpic(api);
    serveExportList(api, EPIC_ID, [], () => 'e-long');
    api.on('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-long`, running('12% complete', 1));
    renderConsole(`/connections/${EPIC_ID}/exports`, api);

    await startExport(['Observation']);
    const card = await screen.findByRole('region', { name: /· Observation, started/ });
    await within(card).findByText(/12% complete/);

    await userEvent.click(within(card).getByRole('button', { name: 'Cancel export' }));
    let dialog = await screen.findByRole('dialog', { name: 'Cancel this export?' });
    expect(dialog).toHaveTextContent(`Group ${GROUP} · Observation`);
    expect(dialog).toHaveTextContent('St. Mary’s Epic');
    expect(dialog).toHaveTextContent(/files it has written so far are deleted/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Keep it running' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.sent('DELETE', `/fhir/r4/${EPIC_ID}/$export-status/e-long`)).toHaveLength(0);

    await userEvent.click(within(card).getByRole('button', { name: 'Cancel export' }));
    dialog = await screen.findByRole('dialog', { name: 'Cancel this export?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel export' }));
    expect(await within(card).findByText('Cancelled')).toBeInTheDocument();
    expect(within(card).getByText(/its files are deleted/)).toBeInTheDocument();
    const deleted = api.sent('DELETE', `/fhir/r4/${EPIC_ID}/$export-status/e-long`);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]?.headers['x-csrf-token']).toBe('csrf-admin');
    const polls = api.sent('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-long`).length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(api.sent('GET', `/fhir/r4/${EPIC_ID}/$export-status/e-long`)).toHaveLength(polls);
  });

  it('offers an HL7 v2 site’s three levels, and shows the API’s answer when a level is refused', async () => {
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    serveHl7(api);
    serveExportList(api, HL7_ID);
    api.on('GET', `/fhir/r4/${HL7_ID}/Patient/$export`, outcome(400, 'validation_failed', 'Export level not supported by this connection', [{ path: 'level', message: 'this connection supports: Group/[id]/$export' }]));
    renderConsole(`/connections/${HL7_ID}/exports`, api);

    const form = await screen.findByRole('form', { name: 'Start an export' }, PAGE_LOAD);
    expect(within(form).getAllByRole('radio')).toHaveLength(3);
    // The site's one group is chosen already.
    expect(within(form).getByRole('combobox', { name: /Group/ })).toHaveValue('all-patients');
    await userEvent.click(within(form).getByRole('radio', { name: /All patients/ }));
    expect(within(form).queryByRole('combobox', { name: /Group/ })).not.toBeInTheDocument();
    await userEvent.click(within(form).getByRole('button', { name: 'Start export' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not start the export');
    expect(alert).toHaveTextContent('Export level not supported by this connection');
    expect(alert).toHaveTextContent('validation_failed');
    expect(alert).toHaveTextContent('this connection supports: Group/[id]/$export');
  });

  it('says when a connection cannot export, has no group to export yet, or its exports cannot be listed', async () => {
    const api = createFakeApi();
    serveSession(api, 'admin', true);
    api.on('GET', '/v1/connections/c-fhir', json(200, connection({ id: 'c-fhir', name: 'Generic FHIR', vendor: 'fhir' })));
    api.on('GET', '/v1/connections/c-fhir/bulk-exports', json(200, { items: [] }));
    serveEpic(api, []);
    api.on('GET', `/v1/connections/${EPIC_ID}/bulk-exports`, { status: 503, body: { code: 'dependency_unavailable', title: 'The database is unavailable' }, headers: { 'content-type': 'application/problem+json' } });
    const view = renderConsole('/connections/c-fhir/exports', api);
    expect(await screen.findByText('This connection does not export', undefined, PAGE_LOAD)).toBeInTheDocument();
    view.unmount();

    renderConsole(`/connections/${EPIC_ID}/exports`, api);
    expect(await screen.findByText('No groups to export yet', undefined, PAGE_LOAD)).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Start an export' })).not.toBeInTheDocument();
    const listError = await screen.findByRole('alert');
    expect(listError).toHaveTextContent('Could not load the exports');
    expect(listError).toHaveTextContent('dependency_unavailable');
  });
});
