import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Connection, DialectPreview } from '../api/types';
import { connection, createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { HL7_CONNECTION_ID as ID } from './test-fixtures';

const PAGE_LOAD = { timeout: 10_000 };

// Mantine's autosizing textareas listen for web fonts loading; jsdom has no document.fonts.
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { configurable: true, value: { addEventListener: () => undefined, removeEventListener: () => undefined } });

function serve(api: FakeApi, dialect: unknown = { timezone: 'America/Chicago' }) {
  let current: Connection = connection({ id: ID, name: 'Springfield General', vendor: 'hl7v2', dialect });
  api.on('GET', '/v1/console/me', json(200, sessionFor('developer', { phi: true, scopes: [...sessionFor('developer').scopes, 'system/*.cruds'] })));
  api.on('GET', `/v1/connections/${ID}`, () => json(200, current));
  api.on('PATCH', `/v1/connections/${ID}`, (req) => {
    current = { ...current, dialect: (req.body as { dialect: unknown }).dialect };
    return json(200, current);
  });
}

const PREVIEW: DialectPreview = {
  dialectChanged: true,
  message: {
    current: { ok: true, messageType: 'ADT^A01', resources: [{ resourceType: 'Patient', id: 'p-1', identifier: [{ system: 'urn:old', value: 'MRN-1' }] }] },
    candidate: { ok: true, messageType: 'ADT^A01', resources: [{ resourceType: 'Patient', id: 'p-1', identifier: [{ system: 'urn:oid:1.2.3', value: 'MRN-1' }] }] },
    diff: [{ op: 'change', path: 'Patient/p-1.identifier[0].system', before: 'urn:old', after: 'urn:oid:1.2.3' }],
  },
  replay: {
    replayed: 3,
    changed: 2,
    nowFailing: 1,
    nowSucceeding: 0,
    messages: [
      { messageId: 'm-1', controlId: 'CTRL-1', messageType: 'ADT^A01', change: 'changed', changedPaths: ['Patient/p-1.identifier[0].system'] },
      { messageId: 'm-2', controlId: 'CTRL-2', messageType: 'ORU^R01', change: 'now_fails', changedPaths: [] },
      { messageId: 'm-3', controlId: 'CTRL-3', messageType: 'ADT^A08', change: 'unchanged', changedPaths: [] },
    ],
  },
};

describe('dialect editor', () => {
  it('previews the edited dialect: sends it with the sample and replay count, shows the diff and the replay results, then saves', async () => {
    const api = createFakeApi();
    serve(api);
    let release!: () => void;
    api.on('POST', `/v1/connections/${ID}/hl7/preview`, () => new Promise((resolve) => (release = () => resolve(json(200, PREVIEW)))));
    renderConsole(`/connections/${ID}/dialect`, api);
    const user = userEvent.setup();

    const editor = await screen.findByLabelText('Dialect (JSON)', undefined, PAGE_LOAD);
    expect(JSON.parse((editor as HTMLTextAreaElement).value)).toEqual({ timezone: 'America/Chicago' });
    const edited = { timezone: 'America/Chicago', identifierSystems: { mrn: 'urn:oid:1.2.3' } };
    fireEvent.change(editor, { target: { value: JSON.stringify(edited) } });
    fireEvent.change(screen.getByLabelText(/Sample message/), { target: { value: 'MSH|^~\\&|A|B\nPID|1||MRN-1' } });
    const replay = screen.getByLabelText(/Replay the last N stored messages/);
    await user.clear(replay);
    await user.type(replay, '50');
    await user.click(screen.getByRole('button', { name: 'Preview' }));

    expect(await screen.findByText(/Running the preview, replaying the last 50 stored messages/)).toBeInTheDocument();
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/preview`)[0]?.body).toEqual({ dialect: edited, message: 'MSH|^~\\&|A|B\rPID|1||MRN-1', replay: 50 });
    release();

    const diff = await screen.findByRole('table', { name: 'Differences' });
    const diffRow = within(diff).getAllByRole('row')[1] as HTMLElement;
    expect(diffRow).toHaveTextContent('Patient/p-1.identifier[0].system');
    expect(diffRow).toHaveTextContent('"urn:old"');
    expect(diffRow).toHaveTextContent('"urn:oid:1.2.3"');

    expect(screen.getByText('Replayed 3 stored messages: 2 would change, 1 would now fail, 0 would now succeed.')).toBeInTheDocument();
    const replayRows = within(screen.getByRole('table', { name: 'Replay results' })).getAllByRole('row').slice(1);
    expect(replayRows).toHaveLength(2);
    expect(replayRows[0]).toHaveTextContent('would change');
    expect(replayRows[0]).toHaveTextContent('Patient/p-1.identifier[0].system');
    expect(replayRows[1]).toHaveTextContent('CTRL-2');
    expect(replayRows[1]).toHaveTextContent('would now fail');
    expect(screen.queryByText('CTRL-3')).not.toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Patient/p-1' })).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Save dialect' }));
    expect(await screen.findByText(/Dialect saved/)).toBeInTheDocument();
    expect(api.sent('PATCH', `/v1/connections/${ID}`)[0]?.body).toEqual({ dialect: edited });
  });

  it('shows the API’s validation issues on the editor, and refuses JSON that does not parse without calling the API', async () => {
    const api = createFakeApi();
    serve(api, null);
    api.on(
      'POST',
      `/v1/connections/${ID}/hl7/preview`,
      problem(400, 'validation_failed', 'Invalid dialect', { issues: [{ path: 'dialect.timezone', message: 'not an IANA time zone' }] }),
    );
    renderConsole(`/connections/${ID}/dialect`, api);
    const user = userEvent.setup();

    const editor = await screen.findByLabelText('Dialect (JSON)', undefined, PAGE_LOAD);
    fireEvent.change(editor, { target: { value: '{"timezone": ' } });
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText(/Not valid JSON/)).toBeInTheDocument();
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/preview`)).toHaveLength(0);

    fireEvent.change(editor, { target: { value: '{"timezone": "Mars/Olympus"}' } });
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    expect(await screen.findByText('timezone: not an IANA time zone')).toBeInTheDocument();
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/preview`)[0]?.body).toEqual({ dialect: { timezone: 'Mars/Olympus' }, replay: 20 });
  });
});
