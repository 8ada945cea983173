import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { connection, createFakeApi, json, problem, sessionFor } from '../test/fake-api';
import { renderConsole } from '../test/render';

describe('connections list', () => {
  it('lists each connection with vendor, environment, status and health, linking to its page', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('owner')));
    api.on(
      'GET',
      '/v1/connections',
      json(200, {
        items: [
          connection({
            id: 'c-epic',
            name: 'St. Mary’s Epic',
            status: 'live',
            environment: 'production',
            health: { status: 'unknown', statusSince: null, lastCheckAt: null, lastCheckError: null, errorRate: 0, recentCalls: 0, expiresSoon: [], lastTestedAt: '2026-12-01T10:00:00.000Z', lastSuccessAt: '2026-12-01T10:00:00.000Z', lastErrorAt: null, lastErrorCode: null, tokenExpiresAt: null },
          }),
          connection({
            id: 'c-oracle',
            name: 'County Oracle',
            vendor: 'oracle',
            status: 'testing',
            health: {
              status: 'unknown', statusSince: null, lastCheckAt: null, lastCheckError: null, errorRate: 0, recentCalls: 0, expiresSoon: [], 
              lastTestedAt: '2026-12-01T11:00:00.000Z',
              lastSuccessAt: '2026-11-30T09:00:00.000Z',
              lastErrorAt: '2026-12-01T11:00:00.000Z',
              lastErrorCode: 'invalid_client',
              tokenExpiresAt: null,
            },
          }),
        ],
      }),
    );
    renderConsole('/connections', api);

    const table = await screen.findByRole('table', { name: 'Connections' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);

    const epic = rows[0];
    expect(within(epic).getByRole('link', { name: 'St. Mary’s Epic' })).toHaveAttribute('href', '/connections/c-epic');
    expect(epic).toHaveTextContent('Epic');
    expect(epic).toHaveTextContent('production');
    expect(epic).toHaveTextContent('live');
    expect(epic).toHaveTextContent('Last test ok');

    const oracle = rows[1];
    expect(oracle).toHaveTextContent('Oracle Health');
    expect(oracle).toHaveTextContent('Last test failed');
    expect(within(oracle).getByText('invalid_client')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add connection' })).toHaveAttribute('href', '/connections/new');
  });

  it('shows an empty state with the way to add the first connection', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('admin')));
    api.on('GET', '/v1/connections', json(200, { items: [] }));
    renderConsole('/connections', api);

    expect(await screen.findByRole('heading', { name: 'No connections yet' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add connection' })).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('offers no Add connection to a viewer', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    api.on('GET', '/v1/connections', json(200, { items: [connection()] }));
    renderConsole('/connections', api);

    expect(await screen.findByRole('table', { name: 'Connections' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Add connection' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add connection' })).not.toBeInTheDocument();
  });

  it('shows the API’s error code and message when the list cannot load, and retries', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('owner')));
    api.on('GET', '/v1/connections', problem(503, 'dependency_unavailable', 'The database is not reachable'));
    renderConsole('/connections', api);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load connections');
    expect(alert).toHaveTextContent('The database is not reachable');
    expect(within(alert).getByText('dependency_unavailable')).toBeInTheDocument();

    api.on('GET', '/v1/connections', json(200, { items: [connection({ name: 'Back again' })] }));
    within(alert).getByRole('button', { name: 'Try again' }).click();
    expect(await screen.findByRole('link', { name: 'Back again' })).toBeInTheDocument();
  });
});
