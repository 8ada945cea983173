import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { connection, createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { HL7_CONNECTION_ID as ID, summary } from './test-fixtures';

function serve(api: FakeApi, role: Role, phi: boolean) {
  const session = sessionFor(role, { phi, scopes: [...sessionFor(role).scopes, ...(phi ? ['system/*.cruds'] : [])] });
  api.on('GET', '/v1/console/me', json(200, session));
  api.on('GET', `/v1/connections/${ID}`, json(200, connection({ id: ID, name: 'Springfield General', vendor: 'hl7v2' })));
}

/** The first render loads the page's lazy chunk, slow on a busy machine. */
const PAGE_LOAD = { timeout: 10_000 };

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

describe('message log', () => {
  it('hides the patient identifier filter and message links from a user without the PHI grant', async () => {
    const api = createFakeApi();
    serve(api, 'developer', false);
    api.on('GET', `/v1/connections/${ID}/hl7/messages`, json(200, { items: [summary({ status: 'failed', errorCode: '101', errorMeaning: 'Required field missing: PID-3 is empty.' })], next: null }));
    renderConsole(`/connections/${ID}/messages`, api);

    const table = await screen.findByRole('table', { name: 'Messages' }, PAGE_LOAD);
    expect(within(table).getByText('CTRL-0001')).toBeInTheDocument();
    expect(within(table).getByText('Required field missing: PID-3 is empty.')).toBeInTheDocument();
    expect(within(table).queryByRole('link')).not.toBeInTheDocument();
    expect(screen.getByText(/needs the PHI grant/)).toBeInTheDocument();
    expect(screen.getByLabelText('Control ID (MSH-10)')).toBeInTheDocument();
    expect(screen.queryByLabelText(/Patient identifier/)).not.toBeInTheDocument();
  });

  it('sends every filter to the API, the patient identifier only in a search body (never a URL), and pages with the cursor', async () => {
    const api = createFakeApi();
    serve(api, 'developer', true);
    api.on('GET', `/v1/connections/${ID}/hl7/messages`, json(200, { items: [summary()], next: null }));
    // With a patient identifier the log is searched with a POST body.
    api.on('POST', `/v1/connections/${ID}/hl7/messages/search`, (req) => {
      const body = req.body as { before?: string };
      if (body.before === '41') return json(200, { items: [summary({ id: 'm-old', controlId: 'CTRL-OLD', status: 'failed' })], next: null });
      return json(200, { items: [summary({ id: 'm-2', controlId: 'CTRL-0002', status: 'failed' })], next: '41' });
    });
    const { router } = renderConsole(`/connections/${ID}/messages`, api);
    const user = userEvent.setup();

    await screen.findByRole('table', { name: 'Messages' }, PAGE_LOAD);
    await user.click(screen.getByRole('combobox', { name: 'Status' }));
    await user.click(await screen.findByRole('option', { name: 'failed', hidden: true }));
    await user.type(screen.getByLabelText('Message type'), 'adt^a01');
    await user.type(screen.getByLabelText('Control ID (MSH-10)'), 'CTRL-0002');
    fireEvent.change(screen.getByLabelText('Received from'), { target: { value: '2026-12-01T08:00' } });
    fireEvent.change(screen.getByLabelText('Received to'), { target: { value: '2026-12-02T18:30' } });
    await user.type(screen.getByLabelText(/Patient identifier/), 'MRN-778899');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    const table = await screen.findByRole('table', { name: 'Messages' });
    await within(table).findByText('CTRL-0002');
    const sent = api.sent('POST', `/v1/connections/${ID}/hl7/messages/search`).at(-1);
    expect(sent?.body).toEqual({
      limit: 50,
      status: 'failed',
      type: 'ADT^A01',
      controlId: 'CTRL-0002',
      from: new Date('2026-12-01T08:00').toISOString(),
      to: new Date('2026-12-02T18:30').toISOString(),
      patientIdentifier: 'MRN-778899',
    });
    // The patient identifier (PHI) is in no request URL at all.
    expect(api.requests.some((r) => r.path.includes('MRN-778899'))).toBe(false);
    // Filters that are not PHI are in the address bar; the patient identifier is not.
    expect(router.state.location.search).toContain('controlId=CTRL-0002');
    expect(router.state.location.search).not.toContain('MRN');
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);

    // The row opens the message.
    expect(within(table).getByRole('link', { name: 'Open message CTRL-0002' })).toHaveAttribute('href', `/connections/${ID}/messages/m-2`);

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await within(table).findByText('CTRL-OLD')).toBeInTheDocument();
    expect(within(table).getByText('CTRL-0002')).toBeInTheDocument();
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/messages/search`).at(-1)?.body).toMatchObject({ before: '41', patientIdentifier: 'MRN-778899' });
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('shows the empty state for filters that match nothing, and the API’s code on errors', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', false);
    api.on('GET', `/v1/connections/${ID}/hl7/messages`, (req) =>
      query(req.path).type === 'ZZZ' ? problem(400, 'validation_failed', 'Request validation failed') : json(200, { items: [], next: null }),
    );
    renderConsole(`/connections/${ID}/messages?controlId=NOPE`, api);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'No messages match these filters' }, PAGE_LOAD)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Message type'), 'zzz');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Request validation failed');
    expect(alert).toHaveTextContent('validation_failed');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Edit dialect' })).not.toBeInTheDocument());
  });
});
