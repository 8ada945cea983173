import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { createFakeApi, json, sessionFor } from '../test/fake-api';
import { renderConsole } from '../test/render';

async function navLinks(role: Role, path: string) {
  const api = createFakeApi();
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/connections', json(200, { items: [] }));
  api.on('GET', '/v1/usage/totals', json(200, { items: [] }));
  const view = renderConsole(path, api);
  const nav = await screen.findByRole('navigation', { name: 'Main' });
  return { names: within(nav).getAllByRole('link').map((a) => a.textContent), api, ...view };
}

describe('navigation by scope', () => {
  it('shows a finance user the usage and billing pages and nothing else, and lands them on Usage', async () => {
    const { names, router, api } = await navLinks('finance', '/');
    expect(names).toEqual(['Usage', 'Billing', 'Invoices', 'Adjustments', 'Usage alerts']);
    expect(await screen.findByRole('heading', { name: 'Usage' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/usage');
    expect(api.sent('GET', '/v1/connections')).toHaveLength(0);
  });

  it('shows an owner Connections and Usage, Connections first (where sign-in lands)', async () => {
    const { names } = await navLinks('owner', '/');
    expect(names[0]).toBe('Connections');
    expect(names).toContain('Usage');
  });

  it('shows a viewer Connections (read-only scope) but not Usage', async () => {
    const { names } = await navLinks('viewer', '/');
    expect(names).toContain('Connections');
    expect(names).not.toContain('Usage');
  });

  it('refuses a page the role may not open, without calling its API', async () => {
    const { api } = await navLinks('finance', '/connections');
    expect(await screen.findByRole('alert')).toHaveTextContent('Not available to your role');
    expect(api.sent('GET', '/v1/connections')).toHaveLength(0);
  });
});
