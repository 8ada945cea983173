import { render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';
import { setCsrfToken } from '../api/client';
import { AppProviders, createQueryClient } from '../app';
import { buildRoutes } from '../routes';
import type { FakeApi } from './fake-api';

/** Renders the whole console at `path` (inside /console) against a fake api. */
export function renderConsole(path: string, api: FakeApi) {
  vi.stubGlobal('fetch', api.fetch);
  setCsrfToken(null);
  const router = createMemoryRouter(buildRoutes(), { initialEntries: [path] });
  const client = createQueryClient({ retry: false });
  const view = render(
    <AppProviders client={client}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, router, client };
}
