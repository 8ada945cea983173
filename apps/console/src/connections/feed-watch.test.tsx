import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../api/types';
import { connection, createFakeApi, json, problem, serveConnectionDetail, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const ID = 'c-feed';

function serve(api: FakeApi, role: Parameters<typeof sessionFor>[0], initial: Connection) {
  let current = initial;
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  serveConnectionDetail(api, () => ({ connection: current }));
  api.on('PATCH', `/v1/connections/${ID}`, (req) => {
    current = { ...current, ...(req.body as Partial<Connection>) };
    return json(200, current);
  });
}

const feed = (hl7Silence: Connection['hl7Silence']) => connection({ id: ID, vendor: 'hl7v2', name: 'County ADT', hl7SendingFacility: 'COUNTY', hl7Silence });

describe('an HL7 feed’s watch on its page', () => {
  it('says what is watched, and an admin sets a watch during hours: the API gets exactly that, the page shows it', async () => {
    const api = createFakeApi();
    serve(api, 'admin', feed(null));
    renderConsole(`/connections/${ID}`, api);
    const section = await screen.findByRole('region', { name: 'Feed watch' });
    expect(section).toHaveTextContent('Not watched: a silent feed does not change its health');

    const user = userEvent.setup();
    await user.click(within(section).getByRole('button', { name: 'Edit feed watch' }));
    const dialog = await screen.findByRole('dialog', { name: 'Feed watch' });
    await user.click(within(dialog).getByLabelText('Watch this feed'));
    const minutes = within(dialog).getByLabelText(/^Minutes without a message/);
    await user.clear(minutes);
    await user.type(minutes, '3');
    expect(within(dialog).getByText('A whole number from 5 to 10080')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Save' })).toBeDisabled();
    await user.type(minutes, '0');
    await user.click(within(dialog).getByLabelText('Only during these hours'));
    await user.clear(within(dialog).getByLabelText(/^Time zone/));
    await user.type(within(dialog).getByLabelText(/^Time zone/), 'America/Chicago');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(api.sent('PATCH', `/v1/connections/${ID}`)).toHaveLength(1));
    expect(api.sent('PATCH', `/v1/connections/${ID}`)[0]?.body).toEqual({ hl7Silence: { minutes: 30, hours: { from: '07:00', to: '19:00', timezone: 'America/Chicago' } } });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    await waitFor(() => expect(section).toHaveTextContent('Degraded when no message arrives for 30 minutes between 07:00 and 19:00 (America/Chicago)'));
  });

  it('turns a watch off with null, and shows the API’s refusal in the dialog', async () => {
    const api = createFakeApi();
    serve(api, 'admin', feed({ minutes: 60, hours: null }));
    renderConsole(`/connections/${ID}`, api);
    const section = await screen.findByRole('region', { name: 'Feed watch' });
    expect(section).toHaveTextContent('Degraded when no message arrives for 60 minutes at any hour');
    const user = userEvent.setup();

    api.on('PATCH', `/v1/connections/${ID}`, problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'hl7Silence.hours.timezone', message: 'must be an IANA time zone such as America/New_York or UTC' }] }));
    await user.click(within(section).getByRole('button', { name: 'Edit feed watch' }));
    let dialog = await screen.findByRole('dialog', { name: 'Feed watch' });
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText(/must be an IANA time zone/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    serve(api, 'admin', feed({ minutes: 60, hours: null }));
    await user.click(within(section).getByRole('button', { name: 'Edit feed watch' }));
    dialog = await screen.findByRole('dialog', { name: 'Feed watch' });
    await user.click(within(dialog).getByLabelText('Watch this feed'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.sent('PATCH', `/v1/connections/${ID}`).at(-1)?.body).toEqual({ hl7Silence: null }));
    await waitFor(() => expect(section).toHaveTextContent('Not watched'));
  });

  it('is read-only for a viewer', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', feed({ minutes: 45, hours: null }));
    renderConsole(`/connections/${ID}`, api);
    const section = await screen.findByRole('region', { name: 'Feed watch' });
    expect(section).toHaveTextContent('45 minutes');
    expect(within(section).queryByRole('button', { name: 'Edit feed watch' })).not.toBeInTheDocument();
  });

  it('is not shown for FHIR connections', async () => {
    const other = createFakeApi();
    serve(other, 'admin', connection({ id: ID, vendor: 'epic', name: 'Epic' }));
    renderConsole(`/connections/${ID}`, other);
    await screen.findByRole('heading', { name: 'Epic' });
    expect(screen.queryByRole('region', { name: 'Feed watch' })).not.toBeInTheDocument();
  });
});
