import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ConsoleUser, Invite, IssuedInvite, Role } from '../api/types';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const user = (overrides: Partial<ConsoleUser>): ConsoleUser => ({
  id: 'u-x',
  email: 'x@mercy.example',
  name: 'X',
  role: 'developer',
  phi: false,
  status: 'active',
  lastLoginAt: '2026-12-01T10:00:00.000Z',
  revokedAt: null,
  createdAt: '2026-11-01T10:00:00.000Z',
  ...overrides,
});

const ME = user({ id: 'u-1', email: 'owner@mercy.example', name: 'A owner', role: 'owner' });
const DEV = user({ id: 'u-dev', email: 'dana@mercy.example', name: 'Dana Dev', role: 'developer' });
const OWNER2 = user({ id: 'u-own2', email: 'olga@mercy.example', name: 'Olga Owner', role: 'owner' });

const TOKEN_URL = 'https://switchboard.example/console/invite#token=sbinv_SECRETtoken123';

function serve(api: FakeApi, role: Role = 'owner', users: ConsoleUser[] = [ME, DEV, OWNER2], invites: Invite[] = []) {
  const state = { users: [...users], invites: [...invites] };
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/users', () => json(200, { items: state.users }));
  api.on('GET', '/v1/invites', () => json(200, { items: state.invites }));
  return state;
}

describe('users page', () => {
  it('invites a person and shows the link once, with the words to send it, then only the pending invite remains', async () => {
    const api = createFakeApi();
    const state = serve(api);
    api.on('POST', '/v1/tenants/t-1/invites', (req) => {
      const body = req.body as { email: string; role: Role; phi: boolean };
      const invite: Invite = { id: 'inv-1', email: body.email, role: body.role, phi: body.phi, status: 'pending', expiresAt: '2026-12-05T10:00:00.000Z', acceptedAt: null, createdAt: '2026-12-02T10:00:00.000Z' };
      state.invites.push(invite);
      return json(201, { ...invite, inviteUrl: TOKEN_URL } satisfies IssuedInvite);
    });
    renderConsole('/users', api);
    const u = userEvent.setup();

    expect(await screen.findByText('No invites yet.', { exact: false })).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Invite user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite a person' });
    await u.type(within(dialog).getByLabelText('Email', { exact: false }), 'new.admin@mercy.example');
    await u.selectOptions(within(dialog).getByLabelText('Role'), 'admin');
    await u.click(within(dialog).getByRole('checkbox', { name: /PHI access/ }));
    await u.click(within(dialog).getByRole('button', { name: 'Create invite' }));

    const linkDialog = await screen.findByRole('dialog', { name: 'Invite link for new.admin@mercy.example' });
    expect(within(linkDialog).getByLabelText('Invite link')).toHaveValue(TOKEN_URL);
    expect(within(linkDialog).getByRole('button', { name: 'Copy invite link' })).toBeInTheDocument();
    expect(linkDialog).toHaveTextContent('Switchboard sends no email. Send the link to new.admin@mercy.example');
    expect(linkDialog).toHaveTextContent('It works once and expires in 72 hours');
    expect(api.sent('POST', '/v1/tenants/t-1/invites')[0]?.body).toEqual({ email: 'new.admin@mercy.example', role: 'admin', phi: true });
    expect(api.sent('POST', '/v1/tenants/t-1/invites')[0]?.headers['x-csrf-token']).toBe('csrf-owner');

    await u.click(within(linkDialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const invites = await screen.findByRole('table', { name: 'Invites' });
    expect(within(invites).getByRole('rowheader', { name: 'new.admin@mercy.example' })).toBeInTheDocument();
    expect(invites).toHaveTextContent('pending');
    // Gone from the page, and never written anywhere the browser keeps.
    expect(document.body.innerHTML).not.toContain('sbinv_SECRETtoken123');
    expect(JSON.stringify({ ...localStorage })).not.toContain('sbinv_');
    expect(JSON.stringify({ ...sessionStorage })).not.toContain('sbinv_');

    // Opening the dialog again starts a fresh form, not the old link.
    await u.click(screen.getByRole('button', { name: 'Invite user' }));
    expect(await screen.findByRole('dialog', { name: 'Invite a person' })).toBeInTheDocument();
    expect(screen.queryByLabelText('Invite link')).not.toBeInTheDocument();
  });

  it('shows the API’s validation message when an invite is refused', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('POST', '/v1/tenants/t-1/invites', problem(409, 'conflict', 'A user with this email already exists'));
    renderConsole('/users', api);
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Invite user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite a person' });
    await u.type(within(dialog).getByLabelText('Email', { exact: false }), 'dana@mercy.example');
    await u.click(within(dialog).getByRole('button', { name: 'Create invite' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('A user with this email already exists');
    expect(within(alert).getByText('conflict')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Invite link')).not.toBeInTheDocument();
  });

  it('changes a role with a PATCH and shows the new role', async () => {
    const api = createFakeApi();
    const state = serve(api);
    api.on('PATCH', '/v1/users/:id', (req) => {
      const updated = { ...DEV, ...(req.body as object) };
      state.users = state.users.map((x) => (x.id === DEV.id ? updated : x));
      return json(200, updated);
    });
    renderConsole('/users', api);
    const u = userEvent.setup();

    const select = await screen.findByLabelText('Role of dana@mercy.example');
    await u.selectOptions(select, 'admin');
    await waitFor(() => expect(api.sent('PATCH', '/v1/users/u-dev')[0]?.body).toEqual({ role: 'admin' }));
    await waitFor(() => expect(screen.getByLabelText('Role of dana@mercy.example')).toHaveValue('admin'));

    await u.click(screen.getByRole('switch', { name: 'PHI access for dana@mercy.example' }));
    await waitFor(() => expect(api.sent('PATCH', '/v1/users/u-dev')[1]?.body).toEqual({ phi: true }));
    await waitFor(() => expect(screen.getByRole('switch', { name: 'PHI access for dana@mercy.example' })).toBeChecked());
  });

  it('shows the API’s 403 message when a role change is refused, and keeps the old role', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('PATCH', '/v1/users/:id', problem(403, 'forbidden', 'Only an owner can manage owners'));
    renderConsole('/users', api);
    const u = userEvent.setup();

    await u.selectOptions(await screen.findByLabelText('Role of olga@mercy.example'), 'viewer');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not change Olga Owner');
    expect(alert).toHaveTextContent('Only an owner can manage owners');
    expect(within(alert).getByText('forbidden')).toBeInTheDocument();
    expect(api.sent('PATCH', '/v1/users/u-own2')[0]?.body).toEqual({ role: 'viewer' });
    await waitFor(() => expect(screen.getByLabelText('Role of olga@mercy.example')).toHaveValue('owner'));
  });

  it('gives an admin no controls over owners and no owner role to hand out', async () => {
    const api = createFakeApi();
    serve(api, 'admin', [user({ id: 'u-1', email: 'admin@mercy.example', role: 'admin' }), DEV, OWNER2]);
    renderConsole('/users', api);
    const u = userEvent.setup();

    expect(await screen.findByLabelText('Role of olga@mercy.example')).toBeDisabled();
    expect(screen.getByRole('switch', { name: 'PHI access for olga@mercy.example' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Revoke Olga Owner' })).not.toBeInTheDocument();
    const devRoles = within(screen.getByLabelText('Role of dana@mercy.example')).getAllByRole('option').map((o) => o.textContent);
    expect(devRoles).toEqual(['Admin', 'Developer', 'Finance', 'Viewer']);

    await u.click(screen.getByRole('button', { name: 'Invite user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite a person' });
    expect(within(within(dialog).getByLabelText('Role')).queryByRole('option', { name: 'Owner' })).not.toBeInTheDocument();
  });

  it('revokes a user only after a confirmation naming them, and offers no revoke of yourself', async () => {
    const api = createFakeApi();
    const state = serve(api);
    api.on('POST', '/v1/users/:id/revoke', () => {
      const revoked = { ...DEV, status: 'revoked' as const, revokedAt: '2026-12-02T11:00:00.000Z' };
      state.users = state.users.map((x) => (x.id === DEV.id ? revoked : x));
      return json(200, revoked);
    });
    renderConsole('/users', api);
    const u = userEvent.setup();

    await screen.findByRole('table', { name: 'Users' });
    expect(screen.queryByRole('button', { name: 'Revoke A owner' })).not.toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Revoke Dana Dev' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Dana Dev?' });
    expect(dialog).toHaveTextContent('dana@mercy.example');
    expect(dialog).toHaveTextContent('signed out everywhere at once');
    expect(dialog).toHaveTextContent('You can reinstate them later');
    expect(dialog).not.toHaveTextContent('cannot be undone');

    await u.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.sent('POST', '/v1/users/u-dev/revoke')).toHaveLength(0);

    await u.click(screen.getByRole('button', { name: 'Revoke Dana Dev' }));
    await u.click(within(await screen.findByRole('dialog', { name: 'Revoke Dana Dev?' })).getByRole('button', { name: 'Revoke Dana Dev' }));
    await waitFor(() => expect(api.sent('POST', '/v1/users/u-dev/revoke')).toHaveLength(1));
    const row = (await screen.findByText('dana@mercy.example')).closest('tr');
    await waitFor(() => expect(row).toHaveTextContent('revoked'));
    expect(screen.queryByRole('button', { name: 'Revoke Dana Dev' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Role of dana@mercy.example')).toBeDisabled();
  });

  it('reinstates a revoked user after a confirmation naming them, their role and PHI access', async () => {
    const api = createFakeApi();
    const revokedDev = { ...DEV, status: 'revoked' as const, revokedAt: '2026-12-02T11:00:00.000Z', phi: true };
    const state = serve(api, 'owner', [ME, revokedDev, OWNER2]);
    api.on('POST', '/v1/users/:id/reinstate', () => {
      const active = { ...revokedDev, status: 'active' as const, revokedAt: null };
      state.users = state.users.map((x) => (x.id === DEV.id ? active : x));
      return json(200, active);
    });
    renderConsole('/users', api);
    const u = userEvent.setup();

    await screen.findByRole('table', { name: 'Users' });
    expect(screen.queryByRole('button', { name: 'Revoke Dana Dev' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reinstate Olga Owner' })).not.toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Reinstate Dana Dev' }));
    let dialog = await screen.findByRole('dialog', { name: 'Reinstate Dana Dev?' });
    expect(dialog).toHaveTextContent('dana@mercy.example');
    expect(dialog).toHaveTextContent('as Developer with PHI access');
    expect(dialog).toHaveTextContent('sessions ended by the revocation stay ended');
    await u.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.sent('POST', '/v1/users/u-dev/reinstate')).toHaveLength(0);

    await u.click(screen.getByRole('button', { name: 'Reinstate Dana Dev' }));
    dialog = await screen.findByRole('dialog', { name: 'Reinstate Dana Dev?' });
    await u.click(within(dialog).getByRole('button', { name: 'Reinstate Dana Dev' }));
    await waitFor(() => expect(api.sent('POST', '/v1/users/u-dev/reinstate')).toHaveLength(1));
    expect(api.sent('POST', '/v1/users/u-dev/reinstate')[0]?.headers['x-csrf-token']).toBe('csrf-owner');
    const row = (await screen.findByText('dana@mercy.example')).closest('tr') as HTMLElement;
    await waitFor(() => expect(row).toHaveTextContent('active'));
    expect(within(row).getByRole('button', { name: 'Revoke Dana Dev' })).toBeInTheDocument();
    expect(within(row).queryByRole('button', { name: 'Reinstate Dana Dev' })).not.toBeInTheDocument();
  });

  it('offers an admin no reinstatement of an owner, and shows the API’s refusal in the dialog', async () => {
    const api = createFakeApi();
    const revokedOwner = { ...OWNER2, status: 'revoked' as const, revokedAt: '2026-12-02T11:00:00.000Z' };
    const revokedDev = { ...DEV, status: 'revoked' as const, revokedAt: '2026-12-02T11:00:00.000Z' };
    serve(api, 'admin', [user({ id: 'u-1', email: 'admin@mercy.example', role: 'admin' }), revokedDev, revokedOwner]);
    api.on('POST', '/v1/users/:id/reinstate', problem(409, 'conflict', 'This user is not revoked'));
    renderConsole('/users', api);
    const u = userEvent.setup();

    await screen.findByRole('table', { name: 'Users' });
    expect(screen.queryByRole('button', { name: 'Reinstate Olga Owner' })).not.toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Reinstate Dana Dev' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reinstate Dana Dev?' });
    expect(dialog).toHaveTextContent('without PHI access');
    await u.click(within(dialog).getByRole('button', { name: 'Reinstate Dana Dev' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not reinstate');
    expect(alert).toHaveTextContent('This user is not revoked');
    expect(within(alert).getByText('conflict')).toBeInTheDocument();
  });

  it('issues a new link for a pending invite (shown once) and revokes an invite after confirming', async () => {
    const api = createFakeApi();
    const pending: Invite = { id: 'inv-9', email: 'pat@mercy.example', role: 'finance', phi: false, status: 'pending', expiresAt: '2026-12-04T10:00:00.000Z', acceptedAt: null, createdAt: '2026-12-01T10:00:00.000Z' };
    const state = serve(api, 'owner', [ME], [pending]);
    api.on('POST', '/v1/invites/:id/resend', json(201, { ...pending, id: 'inv-10', inviteUrl: TOKEN_URL }));
    api.on('DELETE', '/v1/invites/:id', () => {
      state.invites = [{ ...pending, status: 'revoked' }];
      return json(200, state.invites[0]);
    });
    renderConsole('/users', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'New link for pat@mercy.example' }));
    const linkDialog = await screen.findByRole('dialog', { name: 'New invite link for pat@mercy.example' });
    expect(within(linkDialog).getByLabelText('Invite link')).toHaveValue(TOKEN_URL);
    expect(linkDialog).toHaveTextContent('the previous link no longer works');
    await u.click(within(linkDialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(document.body.innerHTML).not.toContain('sbinv_SECRETtoken123'));

    await u.click(screen.getByRole('button', { name: 'Revoke invite for pat@mercy.example' }));
    const confirm = await screen.findByRole('dialog', { name: 'Revoke the invite for pat@mercy.example?' });
    await u.click(within(confirm).getByRole('button', { name: 'Revoke invite' }));
    await waitFor(() => expect(api.sent('DELETE', '/v1/invites/inv-9')).toHaveLength(1));
    await waitFor(() => expect(screen.getByRole('table', { name: 'Invites' })).toHaveTextContent('revoked'));
    expect(screen.queryByRole('button', { name: 'Revoke invite for pat@mercy.example' })).not.toBeInTheDocument();
  });

  it('shows loading, then the API’s error with a retry', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('GET', '/v1/users', problem(503, 'dependency_unavailable', 'The database is not reachable'));
    renderConsole('/users', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load users');
    expect(within(alert).getByText('dependency_unavailable')).toBeInTheDocument();
    api.on('GET', '/v1/users', json(200, { items: [ME] }));
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'Users' })).toBeInTheDocument();
  });

  it('is not available to a developer, and asks nothing of the users API', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    renderConsole('/users', api);
    expect(await screen.findByRole('alert')).toHaveTextContent('Not available to your role');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'Users' })).not.toBeInTheDocument();
    expect(within(nav).queryByRole('link', { name: 'Audit' })).not.toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'API keys' })).toBeInTheDocument();
    expect(api.sent('GET', '/v1/users')).toHaveLength(0);
  });
});
