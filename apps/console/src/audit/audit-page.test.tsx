import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditRecord, ChainVerdict, ConsoleUser, Role } from '../api/types';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const record = (sequence: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  id: `a-${sequence}`,
  tenantId: 't-1',
  transactionId: `tx-${sequence}`,
  sequence,
  occurredAt: new Date(Date.UTC(2026, 11, 1, 10, 0, sequence)).toISOString(),
  actorType: 'user',
  actorId: 'u-dev',
  operation: 'update',
  resourceType: 'Connection',
  objectRef: `Connection/c-${sequence}`,
  patientRef: null,
  patientRefHidden: false,
  purpose: null,
  outcome: 'success',
  connectionId: null,
  prevHash: `${String(sequence - 1).padStart(4, '0')}abcdef0123456789`,
  hash: `${String(sequence).padStart(4, '0')}abcdef0123456789`,
  ...overrides,
});

const DEV: ConsoleUser = {
  id: 'u-dev',
  email: 'dana@mercy.example',
  name: 'Dana Dev',
  role: 'developer',
  phi: false,
  status: 'active',
  lastLoginAt: null,
  revokedAt: null,
  createdAt: '2026-11-01T10:00:00.000Z',
};

/**
 * Serves a chain of records like the api: `order=desc` newest first below `before` (else chain
 * order above `after`), `next` when there is more; without the PHI grant the api withholds
 * patient references (null, `patientRefHidden`).
 */
function serve(api: FakeApi, role: Role, chain: AuditRecord[], verdict: ChainVerdict = { ok: true, checked: chain.length }, phi = false) {
  const session = sessionFor(role);
  api.on('GET', '/v1/console/me', json(200, phi ? { ...session, phi: true, scopes: [...session.scopes, 'system/*.cruds'] } : session));
  api.on('GET', '/v1/audit-records', (req) => {
    const q = new URL(req.path, 'http://x').searchParams;
    const limit = Number(q.get('limit') ?? 100);
    const desc = q.get('order') === 'desc';
    const before = Number(q.get('before') ?? Infinity);
    const after = Number(q.get('after') ?? 0);
    const window = chain.filter((r) => r.sequence > after && r.sequence < before);
    const ordered = desc ? [...window].reverse() : window;
    const items = ordered.slice(0, limit).map((r) => (phi ? r : { ...r, patientRef: null, patientRefHidden: r.patientRef !== null }));
    return json(200, { items, next: ordered.length > limit ? (items.at(-1)?.sequence ?? null) : null });
  });
  api.on('GET', '/v1/audit-records/verify', json(200, verdict));
  api.on('GET', '/v1/users', json(200, { items: [DEV] }));
  api.on('GET', '/v1/api-keys', json(200, { items: [{ id: 'k-1', name: 'Billing sync', prefix: 'sb_x', scopes: [], lastUsedAt: null, expiresAt: null, revokedAt: null, createdAt: '2026-11-01T10:00:00.000Z' }] }));
  api.on('GET', '/v1/connections', json(200, { items: [] }));
}

const sequences = (table: HTMLElement) => within(table).getAllByRole('rowheader').map((c) => Number(c.textContent));

describe('audit page', () => {
  it('shows “Chain verified: N records” and the records newest first, naming people and keys', async () => {
    const api = createFakeApi();
    serve(api, 'owner', [
      record(1, { actorType: 'operator', actorId: 'operator', operation: 'create', resourceType: 'Tenant', objectRef: 'Tenant/t-1' }),
      record(2, { actorType: 'api-key', actorId: 'k-1', operation: 'read', resourceType: 'Patient', objectRef: null, connectionId: 'c-9' }),
      record(3),
    ]);
    renderConsole('/audit', api);

    expect(await screen.findByText('Chain verified: 3 records')).toBeInTheDocument();
    const table = await screen.findByRole('table', { name: 'Audit records, newest first' });
    expect(sequences(table)).toEqual([3, 2, 1]);
    const [third, second, first] = within(table).getAllByRole('row').slice(1);
    expect(third).toHaveTextContent('Dana Dev (dana@mercy.example)');
    expect(third).toHaveTextContent('Connection/c-3');
    expect(second).toHaveTextContent('API key “Billing sync”');
    expect(first).toHaveTextContent('Switchboard operator');
    expect(screen.getByText('Start of the chain (record 1).')).toBeInTheDocument();
  });

  it('shows “Chain broken at record N” as an alert', async () => {
    const api = createFakeApi();
    serve(api, 'admin', [record(1), record(2)], { ok: false, brokenAtSequence: 17 });
    renderConsole('/audit', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Chain broken at record 17');
    expect(alert).toHaveTextContent('Records up to 16 verify');
  });

  it('verifies again on request', async () => {
    const api = createFakeApi();
    serve(api, 'owner', [record(1)]);
    renderConsole('/audit', api);
    expect(await screen.findByText('Chain verified: 1 record')).toBeInTheDocument();
    api.on('GET', '/v1/audit-records/verify', json(200, { ok: false, brokenAtSequence: 1 }));
    await userEvent.setup().click(screen.getByRole('button', { name: 'Verify again' }));
    expect(await screen.findByText('Chain broken at record 1')).toBeInTheDocument();
    expect(api.sent('GET', '/v1/audit-records/verify')).toHaveLength(2);
  });

  it('says a patient reference is hidden when the API withheld it (no PHI grant), and shows none where there was none', async () => {
    const api = createFakeApi();
    serve(api, 'admin', [record(1, { operation: 'read', resourceType: 'Patient', patientRef: 'Patient/mrn-445566' }), record(2)]);
    renderConsole('/audit', api);
    const table = await screen.findByRole('table', { name: 'Audit records, newest first' });
    const [withPatient, without] = within(table).getAllByRole('row').slice(1).reverse();
    expect(withPatient).toHaveTextContent('hidden (needs PHI access)');
    expect(without).not.toHaveTextContent('hidden');
    expect(document.body.innerHTML).not.toContain('mrn-445566');
  });

  it('shows patient references to a user with the PHI grant', async () => {
    const api = createFakeApi();
    serve(api, 'admin', [record(1, { operation: 'read', resourceType: 'Patient', patientRef: 'Patient/mrn-445566' })], undefined, true);
    renderConsole('/audit', api);
    const table = await screen.findByRole('table', { name: 'Audit records, newest first' });
    expect(within(table).getByText('Patient/mrn-445566')).toBeInTheDocument();
    expect(table).not.toHaveTextContent('hidden (needs PHI access)');
  });

  it('opens a long chain at its newest record in one request (order=desc), and pages to older records with the API’s cursor', async () => {
    const api = createFakeApi();
    const chain = Array.from({ length: 1234 }, (_, i) => record(i + 1));
    serve(api, 'owner', chain);
    renderConsole('/audit', api);
    const u = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'Audit records, newest first' });
    expect(sequences(table)).toEqual(Array.from({ length: 50 }, (_, i) => 1234 - i));
    expect(api.sent('GET', '/v1/audit-records').map((r) => r.path)).toEqual(['/v1/audit-records?order=desc&limit=50']);

    await u.click(screen.getByRole('button', { name: 'Show older records' }));
    await waitFor(() => expect(sequences(table)).toHaveLength(100));
    expect(sequences(table).slice(48, 52)).toEqual([1186, 1185, 1184, 1183]);
    expect(api.sent('GET', '/v1/audit-records').at(-1)?.path).toBe('/v1/audit-records?order=desc&limit=50&before=1185');
  });

  it('pages down to the start of the chain and says so', async () => {
    const api = createFakeApi();
    serve(api, 'owner', Array.from({ length: 60 }, (_, i) => record(i + 1)));
    renderConsole('/audit', api);
    const table = await screen.findByRole('table', { name: 'Audit records, newest first' });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Show older records' }));
    await waitFor(() => expect(sequences(table)).toHaveLength(60));
    expect(sequences(table).at(-1)).toBe(1);
    expect(screen.getByText('Start of the chain (record 1).')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Show older records' })).not.toBeInTheDocument();
  });

  it('shows the API’s error when the log cannot load, and an empty state for a new tenant', async () => {
    const api = createFakeApi();
    serve(api, 'owner', []);
    api.on('GET', '/v1/audit-records', problem(503, 'dependency_unavailable', 'The database is not reachable'));
    const first = renderConsole('/audit', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the audit log');
    expect(within(alert).getByText('dependency_unavailable')).toBeInTheDocument();
    first.unmount();

    const empty = createFakeApi();
    serve(empty, 'owner', []);
    renderConsole('/audit', empty);
    expect(await screen.findByRole('heading', { name: 'No audit records yet' })).toBeInTheDocument();
    expect(await screen.findByText('Chain verified: 0 records')).toBeInTheDocument();
  });

  it('is not in a developer’s console', async () => {
    const api = createFakeApi();
    serve(api, 'developer', [record(1)]);
    renderConsole('/audit', api);
    expect(await screen.findByRole('alert')).toHaveTextContent('Not available to your role');
    expect(api.sent('GET', '/v1/audit-records')).toHaveLength(0);
  });
});
