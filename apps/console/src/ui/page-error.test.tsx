import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../api/client';
import { AppProviders, createQueryClient } from '../app';
import { buildRoutes } from '../routes';
import { createFakeApi, json, sessionFor } from '../test/fake-api';

/** A page whose chunk is gone, as after a deploy while the console was open. */
function StalePage(): never {
  throw new TypeError('Failed to fetch dynamically imported module: /console/assets/usage-page-old.js');
}

function BrokenPage(): never {
  throw new Error('render failed for Patient Jane Example');
}

function renderWith(Page: () => never) {
  const api = createFakeApi();
  api.on('GET', '/v1/console/me', json(200, sessionFor('owner')));
  vi.stubGlobal('fetch', api.fetch);
  setCsrfToken(null);
  const router = createMemoryRouter(buildRoutes([{ path: 'broken', scope: 'usage:read', Page }]), { initialEntries: ['/broken'] });
  render(
    <AppProviders client={createQueryClient({ retry: false })}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
}

describe('a page that fails', () => {
  it('after a deploy, asks for a reload inside the console shell instead of a raw crash', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    renderWith(StalePage);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The console was updated');
    expect(alert).toHaveTextContent('console_updated');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    quiet.mockRestore();
  });

  it('shows other failures without their message (it may carry page data)', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    renderWith(BrokenPage);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This page failed');
    expect(alert).not.toHaveTextContent('Jane');
    quiet.mockRestore();
  });
});
