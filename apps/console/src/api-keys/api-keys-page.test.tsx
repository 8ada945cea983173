import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ApiKey, Role } from '../api/types';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const KEY = 'sb_live_k7Qf2aXp_THISisTHEsecretPART';

const key = (overrides: Partial<ApiKey>): ApiKey => ({
  id: 'k-1',
  tenantId: 't-1',
  name: 'Billing sync',
  prefix: 'sb_k7Qf2aXp',
  scopes: ['usage:read'],
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-11-01T10:00:00.000Z',
  ...overrides,
});

function serve(api: FakeApi, role: Role, keys: ApiKey[] = [], phi = false) {
  const state = { keys: [...keys] };
  api.on('GET', '/v1/console/me', json(200, sessionFor(role, phi ? { phi: true, scopes: [...sessionFor(role).scopes, 'system/*.cruds'] } : {})));
  api.on('GET', '/v1/api-keys', () => json(200, { items: state.keys }));
  return state;
}

describe('API keys page', () => {
  it('creates a key with the chosen scopes and shows it once with a copy button and a warning', async () => {
    const api = createFakeApi();
    const state = serve(api, 'developer', [key({ id: 'k-old', name: 'Old key' })]);
    api.on('POST', '/v1/tenants/t-1/api-keys', (req) => {
      const body = req.body as { name: string; scopes: string[] };
      const created = key({ id: 'k-new', name: body.name, prefix: 'sb_k7Qf2aXp', scopes: body.scopes });
      state.keys.push(created);
      return json(201, { ...created, key: KEY });
    });
    renderConsole('/api-keys', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create an API key' });
    // Nothing picked yet: the form says what that means.
    expect(dialog).toHaveTextContent('None selected: the key gets everything you may grant');
    // A developer may not hand out what their role lacks, nor clinical scopes without the PHI grant.
    expect(within(dialog).getByRole('checkbox', { name: /Manage users and invites/ })).toBeDisabled();
    expect(within(dialog).getByRole('checkbox', { name: /Read and search clinical data/ })).toBeDisabled();
    expect(dialog).toHaveTextContent('Needs the PHI grant');

    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'Billing sync (production)');
    await u.click(within(dialog).getByRole('checkbox', { name: /Read usage/ }));
    await u.click(within(dialog).getByRole('checkbox', { name: /See connections/ }));
    expect(dialog).toHaveTextContent('The key gets only the 2 selected scopes.');
    await u.type(within(dialog).getByLabelText('Expires on (optional)'), '2027-06-30');
    await u.click(within(dialog).getByRole('button', { name: 'Create key' }));

    const shown = await screen.findByRole('dialog', { name: 'Your new key “Billing sync (production)”' });
    expect(within(shown).getByLabelText('API key')).toHaveValue(KEY);
    expect(within(shown).getByRole('button', { name: 'Copy API key' })).toBeInTheDocument();
    expect(shown).toHaveTextContent('Copy the key now: it is shown only this once');
    expect(api.sent('POST', '/v1/tenants/t-1/api-keys')[0]?.body).toEqual({
      name: 'Billing sync (production)',
      scopes: ['usage:read', 'connections:read'],
      expiresAt: '2027-06-30T23:59:59.999Z',
    });

    await u.click(within(shown).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const table = await screen.findByRole('table', { name: 'API keys' });
    await waitFor(() => expect(within(table).getByRole('rowheader', { name: 'Billing sync (production)' })).toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('THISisTHEsecretPART');
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain('THISisTHEsecretPART');
  });

  it('sends no scopes when none are picked, so the key gets everything the creator may grant', async () => {
    const api = createFakeApi();
    serve(api, 'owner', [], true);
    api.on('POST', '/v1/tenants/t-1/api-keys', json(201, { ...key({ id: 'k-all', name: 'CI' }), key: KEY }));
    renderConsole('/api-keys', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create an API key' });
    expect(within(dialog).getByRole('checkbox', { name: /Read and search clinical data/ })).toBeEnabled();
    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'CI');
    await u.click(within(dialog).getByRole('button', { name: 'Create key' }));
    await screen.findByRole('dialog', { name: 'Your new key “CI”' });
    expect(api.sent('POST', '/v1/tenants/t-1/api-keys')[0]?.body).toEqual({ name: 'CI' });
  });

  it('shows the API’s refusal when a scope is beyond the creator’s own', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    api.on('POST', '/v1/tenants/t-1/api-keys', problem(403, 'forbidden', 'Cannot grant scopes beyond your own'));
    renderConsole('/api-keys', api);
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create an API key' });
    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'Too wide');
    await u.click(within(dialog).getByRole('button', { name: 'Create key' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Cannot grant scopes beyond your own');
    expect(within(alert).getByText('forbidden')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('API key')).not.toBeInTheDocument();
  });

  it('lists keys by prefix with scopes, last use and status, and revokes one after a confirmation naming it', async () => {
    const api = createFakeApi();
    const state = serve(api, 'admin', [
      key({ id: 'k-1', name: 'Billing sync', lastUsedAt: new Date(Date.now() - 3 * 60_000).toISOString() }),
      key({ id: 'k-2', name: 'Old importer', prefix: 'sb_Zz9', revokedAt: '2026-11-20T10:00:00.000Z' }),
    ]);
    api.on('DELETE', '/v1/api-keys/:id', () => {
      state.keys = state.keys.map((k) => (k.id === 'k-1' ? { ...k, revokedAt: '2026-12-02T10:00:00.000Z' } : k));
      return json(200, state.keys[0]);
    });
    renderConsole('/api-keys', api);
    const u = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'API keys' });
    const [billing, old] = within(table).getAllByRole('row').slice(1);
    expect(billing).toHaveTextContent('sb_k7Qf2aXp…');
    expect(billing).toHaveTextContent('usage:read');
    expect(billing).toHaveTextContent('3 minutes ago');
    expect(billing).toHaveTextContent('active');
    expect(old).toHaveTextContent('revoked');
    expect(within(table).queryByRole('button', { name: 'Revoke Old importer' })).not.toBeInTheDocument();

    await u.click(within(table).getByRole('button', { name: 'Revoke Billing sync' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Billing sync?' });
    expect(dialog).toHaveTextContent('Every app using Billing sync (sb_k7Qf2aXp…) is refused from its next request');
    await u.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.sent('DELETE', '/v1/api-keys/k-1')).toHaveLength(0);

    await u.click(within(table).getByRole('button', { name: 'Revoke Billing sync' }));
    await u.click(within(await screen.findByRole('dialog', { name: 'Revoke Billing sync?' })).getByRole('button', { name: 'Revoke Billing sync' }));
    await waitFor(() => expect(api.sent('DELETE', '/v1/api-keys/k-1')).toHaveLength(1));
    expect(api.sent('DELETE', '/v1/api-keys/k-1')[0]?.headers['x-csrf-token']).toBe('csrf-admin');
    await waitFor(() => expect(within(table).queryByRole('button', { name: 'Revoke Billing sync' })).not.toBeInTheDocument());
  });

  it('shows an empty state with the way to create the first key, and the API’s error when the list fails', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    const first = renderConsole('/api-keys', api);
    expect(await screen.findByRole('heading', { name: 'No API keys yet' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create API key' })).toBeInTheDocument();
    first.unmount();

    const failing = createFakeApi();
    serve(failing, 'developer');
    failing.on('GET', '/v1/api-keys', problem(500, 'internal', 'Unexpected error'));
    renderConsole('/api-keys', failing);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load API keys');
    expect(within(alert).getByText('internal')).toBeInTheDocument();
  });

  it('is not in a finance or viewer user’s console', async () => {
    for (const role of ['finance', 'viewer'] as const) {
      const api = createFakeApi();
      serve(api, role);
      const { unmount } = renderConsole('/api-keys', api);
      expect(await screen.findByRole('alert')).toHaveTextContent('Not available to your role');
      expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'API keys' })).not.toBeInTheDocument();
      expect(api.sent('GET', '/v1/api-keys')).toHaveLength(0);
      unmount();
    }
  });
});
