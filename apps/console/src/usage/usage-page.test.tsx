import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { UsageDaily, UsageTotal } from '../api/types';
import { connection, createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { presetRange } from './period';

const EPIC = '11111111-0000-4000-8000-000000000001';
const HL7 = '11111111-0000-4000-8000-000000000002';

const totals: UsageTotal[] = [
  { connectionId: EPIC, connectionName: null, vendor: 'epic', operation: 'read', outcome: 'success', count: 1200 },
  { connectionId: EPIC, connectionName: null, vendor: 'epic', operation: 'read', outcome: 'error', count: 30 },
  { connectionId: EPIC, connectionName: null, vendor: 'epic', operation: 'search', outcome: 'success', count: 300 },
  { connectionId: HL7, connectionName: null, vendor: 'hl7v2', operation: 'hl7.inbound', outcome: 'success', count: 45 },
];

const daily = (from: string, to: string, groupBy: string): UsageDaily => ({
  from,
  to,
  groupBy: groupBy as UsageDaily['groupBy'],
  days:
    groupBy === 'outcome'
      ? [
          { date: '2026-12-01', key: 'success', name: null, count: 900 },
          { date: '2026-12-01', key: 'error', name: null, count: 10 },
          { date: '2026-12-02', key: 'success', name: null, count: 645 },
          { date: '2026-12-02', key: 'error', name: null, count: 20 },
        ]
      : [
          { date: '2026-12-01', key: EPIC, name: null, count: 880 },
          { date: '2026-12-01', key: HL7, name: null, count: 30 },
          { date: '2026-12-02', key: EPIC, name: null, count: 650 },
          { date: '2026-12-02', key: HL7, name: null, count: 15 },
        ],
});

function serve(api: FakeApi, role: Parameters<typeof sessionFor>[0], items: UsageTotal[] = totals) {
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/usage/totals', json(200, { items }));
  api.on('GET', '/v1/usage/daily', (req) => {
    const q = new URL(req.path, 'http://x').searchParams;
    return json(200, daily(q.get('from') ?? '', q.get('to') ?? '', q.get('groupBy') ?? ''));
  });
  api.on('GET', '/v1/connections', json(200, { items: [connection({ id: EPIC, name: 'St. Mary’s Epic' }), connection({ id: HL7, name: 'County HL7', vendor: 'hl7v2' })] }));
}

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);
/** The query of the n-th (default: last) GET of `path`. */
const sentQuery = (api: FakeApi, path: string, n = -1): Record<string, string> => query(api.sent('GET', path).at(n)?.path ?? '/');
const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => [...within(r).queryAllByRole('rowheader'), ...within(r).queryAllByRole('cell')].map((c) => c.textContent));

describe('usage page', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-15T09:30:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows a finance user this month’s totals by connection, vendor, operation and outcome, with connection names from the API', async () => {
    const api = createFakeApi();
    serve(api, 'finance', totals.map((t) => ({ ...t, connectionName: t.connectionId === EPIC ? 'St. Mary’s Epic' : null })));
    renderConsole('/usage', api);

    const byConnection = await screen.findByRole('table', { name: 'Totals by connection' });
    expect(bodyRows(byConnection)).toEqual([
      ['St. Mary’s Epic', '1,500', '30', '1,530'],
      [HL7, '45', '0', '45'],
    ]);
    expect(bodyRows(screen.getByRole('table', { name: 'Totals by vendor' }))).toEqual([
      ['epic', '1,500', '30', '1,530'],
      ['hl7v2', '45', '0', '45'],
    ]);
    expect(bodyRows(screen.getByRole('table', { name: 'Totals by operation' }))).toEqual([
      ['read', '1,200', '30', '1,230'],
      ['search', '300', '0', '300'],
      ['hl7.inbound', '45', '0', '45'],
    ]);
    expect(bodyRows(screen.getByRole('table', { name: 'Totals by outcome' }))).toEqual([
      ['Successful', '1,545', '0', '1,545'],
      ['Errors', '0', '30', '30'],
    ]);
    expect(screen.getByText('Successful transactions').nextSibling).toHaveTextContent('1,545');

    // The range sent is this month in whole UTC days; finance cannot read connections, so none were asked for.
    expect(sentQuery(api, '/v1/usage/totals', 0)).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-16T00:00:00.000Z' });
    expect(api.sent('GET', '/v1/connections')).toHaveLength(0);
  });

  it('draws the daily series as a lazily loaded chart with the same numbers in a table, and restacks by outcome', async () => {
    const api = createFakeApi();
    serve(api, 'owner');
    renderConsole('/usage', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    const table = await screen.findByRole('table', { name: 'Transactions per day by connection' });
    expect(within(table).getAllByRole('columnheader').map((c) => c.textContent)).toEqual(['Day (UTC)', 'St. Mary’s Epic', 'County HL7']);
    expect(bodyRows(table)).toEqual([
      ['2026-12-01', '880', '30'],
      ['2026-12-02', '650', '15'],
    ]);
    expect(await screen.findByRole('img', { name: /Stacked bar chart of transactions per day by connection/ })).toBeInTheDocument();
    expect(sentQuery(api, '/v1/usage/daily', 0)).toMatchObject({ groupBy: 'connection', from: '2026-12-01T00:00:00.000Z' });

    await user.click(screen.getByRole('radio', { name: 'Outcome' }));
    const byOutcome = await screen.findByRole('table', { name: 'Transactions per day by outcome' });
    expect(within(byOutcome).getAllByRole('columnheader').map((c) => c.textContent)).toEqual(['Day (UTC)', 'Successful', 'Errors']);
    expect(bodyRows(byOutcome)).toEqual([
      ['2026-12-01', '900', '10'],
      ['2026-12-02', '645', '20'],
    ]);
    expect(sentQuery(api, '/v1/usage/daily').groupBy).toBe('outcome');
  });

  it('refetches totals and the daily series when the period changes, including a custom range', async () => {
    const api = createFakeApi();
    serve(api, 'finance');
    renderConsole('/usage', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByRole('table', { name: 'Totals by connection' });

    await user.click(screen.getByRole('radio', { name: 'Last month' }));
    await waitFor(() => expect(sentQuery(api, '/v1/usage/totals')).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }));
    await waitFor(() => expect(sentQuery(api, '/v1/usage/daily')).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }));

    await user.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    await waitFor(() => expect(sentQuery(api, '/v1/usage/totals')).toEqual(presetRange('last-7', new Date('2026-12-15T09:30:00.000Z'))));
    expect(presetRange('last-7', new Date('2026-12-15T09:30:00.000Z')).from).toBe('2026-12-09T00:00:00.000Z');

    await user.click(screen.getByRole('radio', { name: 'Custom range' }));
    const first = screen.getByLabelText('First day');
    const last = screen.getByLabelText('Last day');
    await user.clear(last);
    await user.type(last, '2026-10-31');
    await user.clear(first);
    await user.type(first, '2026-10-05');
    await waitFor(() => expect(sentQuery(api, '/v1/usage/totals')).toEqual({ from: '2026-10-05T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' }));
    expect(screen.getByText(/Oct 5, 2026|5 Oct 2026/)).toBeInTheDocument();
  });

  it('says when a custom range is backwards and sends nothing for it', async () => {
    const api = createFakeApi();
    serve(api, 'finance');
    renderConsole('/usage', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByRole('table', { name: 'Totals by connection' });
    await user.click(screen.getByRole('radio', { name: 'Custom range' }));
    const sentBefore = api.sent('GET', '/v1/usage/totals').length;
    const first = screen.getByLabelText('First day');
    await user.clear(first);
    await user.type(first, '2026-12-20');
    expect(await screen.findByText('The last day is before the first')).toBeInTheDocument();
    expect(api.sent('GET', '/v1/usage/totals').slice(sentBefore).map((r) => query(r.path).from)).not.toContain('2026-12-20T00:00:00.000Z');
  });

  it('exports the totals as CSV built from the API’s numbers', async () => {
    const api = createFakeApi();
    serve(api, 'owner');
    let blob: Blob | undefined;
    // jsdom has no object URLs: capture the Blob the page hands to the browser.
    Object.assign(URL, { createObjectURL: (b: Blob) => ((blob = b), 'blob:usage'), revokeObjectURL: () => undefined });
    onTestFinished(() => {
      Reflect.deleteProperty(URL, 'createObjectURL');
      Reflect.deleteProperty(URL, 'revokeObjectURL');
    });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderConsole('/usage', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByRole('table', { name: 'Totals by connection' });

    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(click).toHaveBeenCalled();
    const lines = (await (blob ?? new Blob()).text()).trim().split('\r\n');
    expect(lines[0]).toBe('from,to,connection_id,connection,vendor,operation,outcome,count');
    expect(lines).toContain(`2026-12-01T00:00:00.000Z,2026-12-16T00:00:00.000Z,${EPIC},St. Mary’s Epic,epic,read,error,30`);
    expect(lines).toHaveLength(5);
  });

  it('shows an empty state for a period without transactions, and the API’s error when usage cannot load', async () => {
    const api = createFakeApi();
    serve(api, 'finance', []);
    renderConsole('/usage', api);
    expect(await screen.findByRole('heading', { name: 'No transactions in this period' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();

    api.on('GET', '/v1/usage/totals', problem(400, 'validation_failed', 'from must be before to'));
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(screen.getByRole('radio', { name: 'Last month' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load usage');
    expect(alert).toHaveTextContent('from must be before to');
    expect(within(alert).getByText('validation_failed')).toBeInTheDocument();
  });

  it('shows the daily series’ own error without hiding the totals', async () => {
    const api = createFakeApi();
    serve(api, 'finance');
    api.on('GET', '/v1/usage/daily', problem(404, 'not_found', 'No such route'));
    renderConsole('/usage', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load daily usage');
    expect(within(alert).getByText('not_found')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Totals by connection' })).toBeInTheDocument();
  });
});

describe('navigation for finance', () => {
  it('shows a finance user only the usage and billing pages, landing on Usage', async () => {
    const api = createFakeApi();
    serve(api, 'finance');
    renderConsole('/', api);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Usage', 'Billing', 'Invoices', 'Adjustments', 'Usage alerts']);
    expect(await screen.findByRole('heading', { name: 'Usage', level: 1 })).toBeInTheDocument();
  });
});
