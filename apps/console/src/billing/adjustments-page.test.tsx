import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { adjustments, invoices } from '../test/billing';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => [...within(r).queryAllByRole('rowheader'), ...within(r).queryAllByRole('cell')].map((c) => c.textContent));

function serve(api: FakeApi) {
  api.on('GET', '/v1/console/me', json(200, sessionFor('finance')));
  api.on('GET', '/v1/usage/adjustments', json(200, { data: adjustments, next: null }));
  api.on('GET', '/v1/billing/invoices', json(200, { items: invoices }));
  api.on('GET', '/v1/usage/totals', json(200, { items: [{ connectionId: adjustments[0]?.connectionId, connectionName: 'St. Mary’s Epic', vendor: 'epic', operation: 'read', outcome: 'success', count: 1 }] }));
}

describe('adjustments page', () => {
  it('lists corrections read-only: transaction, connection, class, signed units, reason and where they are billed', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/adjustments', api);
    const table = await screen.findByRole('table', { name: 'Adjustments' });
    const rows = bodyRows(table);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.slice(2)).toEqual(['St. Mary’s Epic', 'FHIR read', 'amend', '-2', 'Duplicate page counted twice', 'Not invoiced yet']);
    expect(rows[1]?.slice(3)).toEqual(['HL7 in', 'void', '-1', 'Test message sent to production', 'On invoice SB-000007']);
    expect(rows[0]?.[1]).toContain('33333333-0000-4000-8000-000000000002');
    // Read-only: nothing to create, change or delete.
    expect(screen.queryByRole('button', { name: /adjust|void|amend|delete/i })).not.toBeInTheDocument();
  });

  it('pages to older adjustments with the API’s cursor', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('GET', '/v1/usage/adjustments', (req) =>
      new URL(req.path, 'http://x').searchParams.get('cursor') === 'c2' ? json(200, { data: adjustments.slice(1), next: null }) : json(200, { data: adjustments.slice(0, 1), next: 'c2' }),
    );
    renderConsole('/adjustments', api);
    const table = await screen.findByRole('table', { name: 'Adjustments' });
    expect(bodyRows(table)).toHaveLength(1);
    await userEvent.click(screen.getByRole('button', { name: 'Show older adjustments' }));
    expect(await screen.findByText('Test message sent to production')).toBeInTheDocument();
    expect(bodyRows(screen.getByRole('table', { name: 'Adjustments' }))).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Show older adjustments' })).not.toBeInTheDocument();
  });

  it('shows an empty state, and the API’s error', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('GET', '/v1/usage/adjustments', json(200, { data: [], next: null }));
    const view = renderConsole('/adjustments', api);
    expect(await screen.findByRole('heading', { name: 'No adjustments' })).toBeInTheDocument();
    view.unmount();

    const failing = createFakeApi();
    serve(failing);
    failing.on('GET', '/v1/usage/adjustments', problem(400, 'validation_failed', 'Request validation failed'));
    renderConsole('/adjustments', failing);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load adjustments');
    expect(within(alert).getByText('validation_failed')).toBeInTheDocument();
  });
});
