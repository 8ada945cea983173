import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { HealthAlertFiring, HealthAlertRule } from '../api/types';
import { connection, createFakeApi, json, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const LAB = '11111111-1111-4111-8111-111111111111';
const EPIC = '22222222-2222-4222-8222-222222222222';
const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => [...within(r).queryAllByRole('rowheader'), ...within(r).queryAllByRole('cell')].map((c) => c.textContent));

const rule = (overrides: Partial<HealthAlertRule>): HealthAlertRule => ({
  id: 'r-1',
  name: 'Lab feed down',
  connectionIds: [LAB],
  to: ['down', 'healthy'],
  quietHours: null,
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  ...overrides,
});
const firing = (overrides: Partial<HealthAlertFiring>): HealthAlertFiring => ({ changeId: 'ch-1', connectionId: LAB, status: 'down', suppressed: false, eventId: 'ev-1', at: '2026-12-03T10:00:00.000Z', ...overrides });

function serve(api: FakeApi, initial: HealthAlertRule[], firings: Record<string, HealthAlertFiring[]> = {}, role: Parameters<typeof sessionFor>[0] = 'admin') {
  let rules = [...initial];
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/connections', json(200, { items: [connection({ id: LAB, name: 'County lab feed', vendor: 'hl7v2' }), connection({ id: EPIC, name: 'St. Mary’s Epic' })] }));
  api.on('GET', '/v1/health-alert-rules', () => json(200, { items: rules }));
  api.on('GET', '/v1/health-alert-rules/:id/firings', (req) => json(200, { items: firings[req.path.split('/')[3] ?? ''] ?? [] }));
  api.on('POST', '/v1/health-alert-rules', (req) => {
    const created = rule({ id: `r-${rules.length + 1}`, quietHours: null, ...(req.body as object) });
    rules = [...rules, created];
    return json(201, created);
  });
}

describe('health alerts page', () => {
  it('lists rules with their connections, statuses and quiet hours, and what fired lately, newest first, across rules', async () => {
    const api = createFakeApi();
    serve(api, [rule({}), rule({ id: 'r-2', name: 'Everything degraded', connectionIds: [], to: ['degraded'], quietHours: { from: '22:00', to: '07:00', timezone: 'America/Chicago' } })], {
      'r-1': [firing({ changeId: 'ch-2', status: 'healthy', at: '2026-12-03T10:05:00.000Z' }), firing({})],
      'r-2': [firing({ changeId: 'ch-3', connectionId: EPIC, status: 'degraded', suppressed: true, eventId: null, at: '2026-12-03T10:02:00.000Z' })],
    });
    renderConsole('/health-alerts', api);

    const rules = bodyRows(await screen.findByRole('table', { name: 'Health alert rules' }));
    expect(rules.map((r) => r.slice(0, 4))).toEqual([
      ['Lab feed down', 'County lab feed', 'Down, Healthy again', 'None'],
      ['Everything degraded', 'All connections', 'Degraded', '22:00–07:00 America/Chicago'],
    ]);
    const recent = await screen.findByRole('table', { name: 'Recent health alerts' });
    await waitFor(() => expect(bodyRows(recent)).toHaveLength(3));
    expect(bodyRows(recent).map((r) => r.slice(1))).toEqual([
      ['County lab feed', 'Healthy again', 'Lab feed down', 'connection.health_alert'],
      ['St. Mary’s Epic', 'Degraded', 'Everything degraded', 'Held back (quiet hours)'],
      ['County lab feed', 'Down', 'Lab feed down', 'connection.health_alert'],
    ]);
  });

  it('creates a rule for picked connections with quiet hours, sending the API exactly the form’s fields', async () => {
    const api = createFakeApi();
    serve(api, []);
    renderConsole('/health-alerts', api);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Create alert' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a health alert' });
    await user.type(within(dialog).getByLabelText(/^Name/), 'Epic degraded');
    await user.click(within(dialog).getByLabelText(/^Connections/));
    await user.click(await screen.findByRole('option', { name: 'St. Mary’s Epic', hidden: true }));
    await user.click(within(dialog).getByLabelText('Degraded'));
    await user.click(within(dialog).getByLabelText('Healthy again (a recovery)'));
    await user.click(within(dialog).getByLabelText(/^Quiet hours/));
    await user.clear(within(dialog).getByLabelText(/^Time zone/));
    await user.type(within(dialog).getByLabelText(/^Time zone/), 'Europe/Berlin');
    await user.clear(within(dialog).getByLabelText(/^Until/));
    await user.type(within(dialog).getByLabelText(/^Until/), '22:00');
    expect(within(dialog).getByText('Must differ from From')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Create alert' })).toBeDisabled();
    await user.clear(within(dialog).getByLabelText(/^Until/));
    await user.type(within(dialog).getByLabelText(/^Until/), '06:30');
    await user.click(within(dialog).getByRole('button', { name: 'Create alert' }));

    await waitFor(() => expect(api.sent('POST', '/v1/health-alert-rules')).toHaveLength(1));
    expect(api.sent('POST', '/v1/health-alert-rules')[0]?.body).toEqual({
      name: 'Epic degraded',
      connectionIds: [EPIC],
      to: ['down', 'degraded'],
      quietHours: { from: '22:00', to: '06:30', timezone: 'Europe/Berlin' },
    });
    expect(await screen.findByRole('rowheader', { name: 'Epic degraded' })).toBeInTheDocument();
  });

  it('shows a viewer the rules and what fired, with nothing to create or delete', async () => {
    const api = createFakeApi();
    serve(api, [rule({})], { 'r-1': [firing({})] }, 'viewer');
    renderConsole('/health-alerts', api);
    await screen.findByRole('table', { name: 'Health alert rules' });
    expect(await screen.findByRole('table', { name: 'Recent health alerts' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create alert' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete Lab feed down' })).not.toBeInTheDocument();
  });
});
