import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFakeApi, json, problem } from '../test/fake-api';
import { renderConsole } from '../test/render';

const TOKEN = 'inv_9f8e7d6c5b4a';

describe('accept invite', () => {
  beforeEach(() => window.history.replaceState(null, '', `/console/invite#${TOKEN}`));

  it('reads the token from the fragment, drops it from the address bar, and creates the account', async () => {
    const api = createFakeApi();
    api.on('GET', `/v1/console/invites/${TOKEN}`, json(200, { email: 'new@mercy.example', tenantName: 'Mercy Health', role: 'admin', phi: true, expiresAt: '2026-12-05T10:00:00.000Z' }));
    api.on('POST', `/v1/console/invites/${TOKEN}/accept`, json(200, { email: 'new@mercy.example' }));
    const { router } = renderConsole('/invite', api);

    expect(await screen.findByText('Mercy Health')).toBeInTheDocument();
    expect(window.location.href).not.toContain(TOKEN);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Your name/), 'Dana Admin');
    await user.type(screen.getByLabelText(/^Password/), 'a long enough passphrase');
    await user.type(screen.getByLabelText(/Repeat password/), 'a long enough passphrase');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByLabelText('Email')).toHaveValue('new@mercy.example');
    expect(api.sent('POST', `/v1/console/invites/${TOKEN}/accept`)[0]?.body).toEqual({ name: 'Dana Admin', password: 'a long enough passphrase' });
  });

  it('shows the API’s weak_password issue and keeps the form', async () => {
    const api = createFakeApi();
    api.on('GET', `/v1/console/invites/${TOKEN}`, json(200, { email: 'new@mercy.example', tenantName: 'Mercy Health', role: 'viewer', phi: false, expiresAt: '2026-12-05T10:00:00.000Z' }));
    api.on(
      'POST',
      `/v1/console/invites/${TOKEN}/accept`,
      problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'password', message: 'weak_password: this password is too common' }] }),
    );
    renderConsole('/invite', api);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText(/Your name/), 'V');
    await user.type(screen.getByLabelText(/^Password/), 'password1234');
    await user.type(screen.getByLabelText(/Repeat password/), 'password1234');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('validation_failed')).toBeInTheDocument();
    expect(alert).toHaveTextContent('weak_password: this password is too common');
    expect(screen.getByRole('button', { name: 'Create account' })).toBeInTheDocument();
  });

  it('says an expired invite has expired', async () => {
    const api = createFakeApi();
    api.on('GET', `/v1/console/invites/${TOKEN}`, problem(410, 'invite_expired', 'This invite has expired; ask for a new one'));
    renderConsole('/invite', api);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This invite has expired');
    expect(within(alert).getByText('invite_expired')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create account' })).not.toBeInTheDocument();
  });
});
