import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { UsageAlertRule } from '../api/types';
import { alertRules, EPIC, HL7 } from '../test/billing';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => [...within(r).queryAllByRole('rowheader'), ...within(r).queryAllByRole('cell')].map((c) => c.textContent));

function serve(api: FakeApi, initial: UsageAlertRule[] = alertRules) {
  let rules = [...initial];
  api.on('GET', '/v1/console/me', json(200, sessionFor('finance')));
  api.on('GET', '/v1/usage/totals', json(200, { items: [EPIC, HL7].map((id, i) => ({ connectionId: id, connectionName: i === 0 ? 'St. Mary’s Epic' : 'County HL7', vendor: 'epic', operation: 'read', outcome: 'success', count: 1 })) }));
  api.on('GET', '/v1/usage/alerts', () => json(200, { data: rules }));
  api.on('POST', '/v1/usage/alerts', (req) => {
    const rule = { id: `al-${rules.length + 1}`, tenantId: 't-1', connectionId: null, class: null, createdAt: '2026-12-15T09:30:00.000Z', lastFiring: null, ...(req.body as object) } as UsageAlertRule;
    rules = [...rules, rule];
    return json(201, rule);
  });
  api.on('DELETE', '/v1/usage/alerts/:id', (req) => {
    rules = rules.filter((r) => !req.path.endsWith(`/${r.id}`));
    return { status: 204 };
  });
}

describe('usage alerts page', () => {
  it('lists rules with their metric, threshold, scope and last firing', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/alerts', api);
    const table = await screen.findByRole('table', { name: 'Usage alerts' });
    const rows = bodyRows(table);
    expect(rows[0]?.slice(0, 4)).toEqual(['FHIR reads over 10k', 'Billable units', '10,000 units', 'FHIR read']);
    expect(rows[0]?.[4]).toMatch(/\(at 10,004 units\)$/);
    expect(rows[1]?.slice(0, 5)).toEqual(['Epic HL7 at 80%', '% of included units', '80%', 'County HL7HL7 in', 'Not yet']);
  });

  it('creates a rule on a connection and class, sending the API exactly the form’s fields', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/alerts', api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Create alert' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a usage alert' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Epic reads');
    await user.type(within(dialog).getByLabelText(/^Threshold/), '2500.5');
    expect(within(dialog).getByText('A whole number of units, e.g. 10000', { selector: '.mantine-TextInput-error, .mantine-InputWrapper-error' })).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Create alert' })).toBeDisabled();
    await user.clear(within(dialog).getByLabelText(/^Threshold/));
    await user.type(within(dialog).getByLabelText(/^Threshold/), '2500');
    await user.selectOptions(within(dialog).getByLabelText(/^Connection/), EPIC);
    await user.selectOptions(within(dialog).getByLabelText(/^Class/), 'fhir.read');
    await user.click(within(dialog).getByRole('button', { name: 'Create alert' }));

    await waitFor(() => expect(api.sent('POST', '/v1/usage/alerts')).toHaveLength(1));
    expect(api.sent('POST', '/v1/usage/alerts')[0]?.body).toEqual({ name: 'Epic reads', metric: 'units', threshold: '2500', connectionId: EPIC, class: 'fhir.read' });
    expect(api.sent('POST', '/v1/usage/alerts')[0]?.headers['x-csrf-token']).toBe('csrf-finance');
    expect(await screen.findByRole('rowheader', { name: 'Epic reads' })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('follows the API’s rules: an amount is for the whole tenant, a percentage of included units needs a class', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/alerts', api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Create alert' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a usage alert' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Spend');
    await user.selectOptions(within(dialog).getByLabelText(/^Metric/), 'amount');
    expect(within(dialog).getByLabelText(/^Connection/)).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/^Threshold/), '750.25');
    await user.selectOptions(within(dialog).getByLabelText(/^Metric/), 'includedPercent');
    expect(within(dialog).getByRole('button', { name: 'Create alert' })).toBeDisabled();
    await user.selectOptions(within(dialog).getByLabelText(/^Class/), 'hl7.in');
    await user.click(within(dialog).getByRole('button', { name: 'Create alert' }));
    await waitFor(() => expect(api.sent('POST', '/v1/usage/alerts')[0]?.body).toEqual({ name: 'Spend', metric: 'includedPercent', threshold: '750.25', class: 'hl7.in' }));
  });

  it('shows the API’s refusal inside the form', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('POST', '/v1/usage/alerts', problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'threshold', message: 'must be greater than 0' }] }));
    renderConsole('/alerts', api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Create alert' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a usage alert' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Any');
    await user.type(within(dialog).getByLabelText(/^Threshold/), '5');
    await user.click(within(dialog).getByRole('button', { name: 'Create alert' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not create the alert');
    expect(alert).toHaveTextContent('must be greater than 0');
  });

  it('deletes a rule after a confirmation that names it', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/alerts', api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete FHIR reads over 10k' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete FHIR reads over 10k?' });
    expect(api.sent('DELETE', '/v1/usage/alerts/al-1')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Delete FHIR reads over 10k' }));
    await waitFor(() => expect(api.sent('DELETE', '/v1/usage/alerts/al-1')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: 'FHIR reads over 10k' })).not.toBeInTheDocument());
  });

  it('shows loading, an empty state with a way to start, and the API’s error', async () => {
    const api = createFakeApi();
    serve(api, []);
    const view = renderConsole('/alerts', api);
    expect(await screen.findByText('Loading alerts…')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'No usage alerts yet' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create alert' })).toBeInTheDocument();
    view.unmount();

    const failing = createFakeApi();
    serve(failing);
    failing.on('GET', '/v1/usage/alerts', problem(500, 'internal', 'Internal error'));
    renderConsole('/alerts', failing);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load alerts');
    expect(within(alert).getByText('internal')).toBeInTheDocument();
  });
});
