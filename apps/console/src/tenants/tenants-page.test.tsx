import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { IssuedInvite, Tenant } from '../api/types';
import { createFakeApi, json, operatorSession, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { slugOf } from './tenants-page';

const tenant = (overrides: Partial<Tenant>): Tenant => ({
  id: 't-x',
  name: 'X Health',
  slug: 'x-health',
  bulkSignedUrls: false,
  status: 'active',
  plan: 'developer',
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
  ...overrides,
});

const MERCY = tenant({ id: 't-1', name: 'Mercy Health', slug: 'mercy' });
const HARBOR = tenant({ id: 't-2', name: 'Harbor Clinics', slug: 'harbor', status: 'suspended' });
const TOKEN_URL = 'https://switchboard.example/console/invite#sbinv_SECRETtoken123';

function serve(api: FakeApi, tenants: Tenant[] = [MERCY, HARBOR]) {
  const state = { tenants: [...tenants] };
  api.on('GET', '/v1/console/me', json(200, operatorSession()));
  api.on('GET', '/v1/tenants', () => json(200, { items: state.tenants }));
  return state;
}

describe('tenants page (operator users)', () => {
  it('an operator lands on Tenants, sees only that in the navigation, and the list with slug, status and created', async () => {
    const api = createFakeApi();
    serve(api);
    const { router } = renderConsole('/', api);

    const table = await screen.findByRole('table', { name: 'Tenants' });
    expect(router.state.location.pathname).toBe('/tenants');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((l) => l.textContent)).toEqual(['Tenants']);
    expect(screen.getByText('Operator')).toBeInTheDocument();
    const harbor = within(table).getAllByRole('row').find((r) => within(r).queryByRole('rowheader', { name: 'Harbor Clinics' }));
    if (!harbor) throw new Error('no Harbor Clinics row');
    expect(harbor).toHaveTextContent('harbor');
    expect(harbor).toHaveTextContent('suspended');
    expect(within(harbor).getByRole('button', { name: 'Invite owner to Harbor Clinics' })).toBeInTheDocument();
  });

  it('signing in as an operator user lands on Tenants', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('GET', '/v1/console/me', problem(401, 'unauthenticated', 'Sign in'));
    api.on('POST', '/v1/console/session', json(200, operatorSession()));
    const { router } = renderConsole('/login', api);
    const u = userEvent.setup();
    await u.type(await screen.findByLabelText('Email'), 'operator@switchboard.local');
    await u.type(screen.getByLabelText('Password'), 'a-long-operator-password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('table', { name: 'Tenants' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/tenants');
  });

  it('creates a tenant (slug suggested from the name), and shows the API’s refusal', async () => {
    const api = createFakeApi();
    const state = serve(api, []);
    api.on('POST', '/v1/tenants', (req) => {
      const body = req.body as { name: string; slug: string };
      if (body.slug === 'mercy') return problem(409, 'conflict', 'A tenant with this slug already exists', { details: { field: 'slug' } });
      const created = tenant({ id: 't-new', ...body });
      state.tenants.unshift(created);
      return json(201, created);
    });
    renderConsole('/tenants', api);
    const u = userEvent.setup();

    expect(await screen.findByText('No tenants yet')).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Create tenant' }));
    let dialog = await screen.findByRole('dialog', { name: 'Create a tenant' });
    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'Mercy');
    await u.click(within(dialog).getByRole('button', { name: 'Create tenant' }));
    expect(await within(dialog).findByText('A tenant with this slug already exists', { exact: false })).toBeInTheDocument();
    expect(dialog).toHaveTextContent('conflict');

    await u.clear(within(dialog).getByLabelText('Name', { exact: false }));
    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'Lakeside Family Care');
    expect(within(dialog).getByLabelText('Slug', { exact: false })).toHaveValue('lakeside-family-care');
    await u.click(within(dialog).getByRole('button', { name: 'Create tenant' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const table = await screen.findByRole('table', { name: 'Tenants' });
    expect(within(table).getByRole('rowheader', { name: 'Lakeside Family Care' })).toBeInTheDocument();
    const posted = api.sent('POST', '/v1/tenants');
    expect(posted.at(-1)?.body).toEqual({ name: 'Lakeside Family Care', slug: 'lakeside-family-care' });
    expect(posted.at(-1)?.headers['x-csrf-token']).toBe('csrf-operator');

    // A slug edited by hand stays as typed.
    await u.click(screen.getByRole('button', { name: 'Create tenant' }));
    dialog = await screen.findByRole('dialog', { name: 'Create a tenant' });
    await u.type(within(dialog).getByLabelText('Slug', { exact: false }), 'my-slug');
    await u.type(within(dialog).getByLabelText('Name', { exact: false }), 'Other Name');
    expect(within(dialog).getByLabelText('Slug', { exact: false })).toHaveValue('my-slug');
  });

  it('invites a tenant’s owner and shows the link once with a copy button; closing drops it', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('POST', '/v1/tenants/t-2/invites', (req) => {
      const body = req.body as { email: string; role: 'owner'; phi: boolean };
      return json(201, {
        id: 'inv-1',
        ...body,
        status: 'pending',
        expiresAt: '2026-12-05T10:00:00.000Z',
        acceptedAt: null,
        createdAt: '2026-12-02T10:00:00.000Z',
        inviteUrl: TOKEN_URL,
      } satisfies IssuedInvite);
    });
    renderConsole('/tenants', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'Invite owner to Harbor Clinics' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invite the owner of Harbor Clinics' });
    expect(within(dialog).getByLabelText('Role')).toHaveValue('owner');
    await u.type(within(dialog).getByLabelText('Email', { exact: false }), 'hana@harbor.example');
    await u.click(within(dialog).getByRole('button', { name: 'Create invite' }));

    const linkDialog = await screen.findByRole('dialog', { name: 'Invite link for hana@harbor.example' });
    expect(within(linkDialog).getByLabelText('Invite link')).toHaveValue(TOKEN_URL);
    expect(within(linkDialog).getByRole('button', { name: 'Copy invite link' })).toBeInTheDocument();
    expect(linkDialog).toHaveTextContent('It works once and expires in 72 hours');
    expect(api.sent('POST', '/v1/tenants/t-2/invites')[0]?.body).toEqual({ email: 'hana@harbor.example', role: 'owner', phi: false });

    await u.click(within(linkDialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('sbinv_SECRETtoken123');
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain('sbinv_');
  });

  it('shows the error with a retry when the list cannot load', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, operatorSession()));
    api.on('GET', '/v1/tenants', problem(503, 'unavailable', 'The database is not reachable'));
    renderConsole('/tenants', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load tenants');
    expect(alert).toHaveTextContent('unavailable');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('tenant users never reach it and are not shown it', async () => {
    const owner = createFakeApi();
    owner.on('GET', '/v1/console/me', json(200, sessionFor('owner')));
    renderConsole('/tenants', owner);
    expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Tenants' })).not.toBeInTheDocument();
    expect(owner.sent('GET', '/v1/tenants')).toEqual([]);
  });

  it('an operator opening a tenant page is told it is not theirs, and nothing is requested', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/connections', api);
    expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
    expect(api.sent('GET', '/v1/connections')).toEqual([]);
  });

  it('suggests slugs the API accepts', () => {
    expect(slugOf('  St. Mary’s Health — North ')).toBe('st-mary-s-health-north');
    expect(slugOf('Café Clinic')).toBe('cafe-clinic');
  });
});
