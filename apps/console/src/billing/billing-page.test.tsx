import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEC, lastPreview, lastPreviewAsOf, NOV, page, preview, serveUsage, usageByConnection } from '../test/billing';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);
const usageQueries = (api: FakeApi) => api.sent('GET', '/v1/usage').map((r) => query(r.path));
const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1).map((r) => [...within(r).queryAllByRole('rowheader'), ...within(r).queryAllByRole('cell')].map((c) => c.textContent));
const headers = (table: HTMLElement) => within(table).getAllByRole('columnheader').map((c) => c.textContent);

function serve(api: FakeApi, role: Parameters<typeof sessionFor>[0] = 'finance') {
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/billing/invoices/preview', (req) => {
    const { period, asOf } = query(req.path);
    if (period === '2026-11') return json(200, asOf ? lastPreviewAsOf(asOf) : lastPreview());
    return period === 'current' ? json(200, preview()) : problem(404, 'not_found', 'No such period');
  });
  serveUsage(api);
}

describe('billing page', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-15T09:30:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows spend and billable units to date against the last period, active connections and distinct patients', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/billing', api);

    expect(await screen.findByRole('heading', { name: 'Billing', level: 1 })).toBeInTheDocument();
    expect(await screen.findByText(/Growth, version 2 · period 2026-12: 2026-12-01 00:00 – 2027-01-01 00:00 \(Asia\/Kathmandu\)/)).toBeInTheDocument();
    const spend = screen.getByRole('region', { name: 'Spend to date' });
    expect(spend).toHaveTextContent('$499.00');
    // $499.00 now against $380.00 at the same point of November (its preview as of that instant): +31%.
    expect(await within(spend).findByText('Same point last period: $380.00 (+31%)')).toBeInTheDocument();
    expect(within(spend).getByText('Last period in total: $410.00')).toBeInTheDocument();
    // The same instant as the units' span ends at, on whole 15-minute buckets.
    expect(api.sent('GET', '/v1/billing/invoices/preview').map((r) => query(r.path))).toContainEqual({ period: '2026-11', asOf: '2026-11-15T09:45:00.000Z' });
    const units = screen.getByRole('region', { name: 'Billable units to date' });
    // 3,100 now against 2,480 at the same point of November: +25%.
    await waitFor(() => expect(units).toHaveTextContent('3,100'));
    expect(within(units).getByText('Same point last period: 2,480 (+25%)')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Active connections' })).toHaveTextContent('2');
    expect(screen.getByRole('region', { name: 'Distinct patients' })).toHaveTextContent('340');

    // The two spans are equally long, in whole 15-minute buckets up to the one holding now (09:30 starts one): 14 days 15:30 into each period.
    const spans = usageQueries(api).filter((q) => q.groupBy === 'billable');
    expect(spans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: DEC.start, to: '2026-12-15T09:45:00.000Z', timezone: 'Asia/Kathmandu' }),
        expect.objectContaining({ from: NOV.start, to: '2026-11-15T09:45:00.000Z', timezone: 'Asia/Kathmandu' }),
      ]),
    );
  });

  it('draws usage over time in the billing zone with the API’s numbers in a table, then by class and in another zone', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/billing', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    const table = await screen.findByRole('table', { name: 'Billable units per day by connection' });
    expect(headers(table)).toEqual(['Day', 'St. Mary’s Epic', 'County HL7']);
    expect(bodyRows(table)).toEqual([
      ['2026-12-01', '700', '40'],
      ['2026-12-02', '1,200', '0'],
      ['2026-12-03', '0', '1,160'],
    ]);
    expect(await screen.findByRole('img', { name: /Stacked bar chart of billable units per day by connection in Asia\/Kathmandu/ })).toBeInTheDocument();
    expect(screen.getByLabelText('Time zone')).toHaveValue('Asia/Kathmandu');
    expect(usageQueries(api)).toContainEqual({ from: DEC.start, to: DEC.end, window: 'day', groupBy: 'connection,billable', timezone: 'Asia/Kathmandu' });

    await user.click(screen.getByRole('radio', { name: 'Class' }));
    const byClass = await screen.findByRole('table', { name: 'Billable units per day by class' });
    expect(headers(byClass)).toEqual(['Day', 'FHIR read', 'HL7 in']);
    expect(bodyRows(byClass)[0]).toEqual(['2026-12-01', '700', '40']);

    // Everything, billable or not: the API is asked without `billable` and its rows shown as they are.
    await user.click(screen.getByRole('switch', { name: 'Billable only' }));
    const all = await screen.findByRole('table', { name: 'Units per day by class' });
    expect(headers(all)).toEqual(['Day', 'FHIR read', 'HL7 in', 'Unclassified']);
    expect(bodyRows(all)[0]).toEqual(['2026-12-01', '700', '40', '12']);
    expect(usageQueries(api).at(-1)).toMatchObject({ groupBy: 'class', timezone: 'Asia/Kathmandu' });

    await user.selectOptions(screen.getByLabelText('Time zone'), 'UTC');
    await waitFor(() => expect(usageQueries(api).at(-1)).toMatchObject({ groupBy: 'class', timezone: 'UTC', window: 'day' }));
    // The same instants, labelled on UTC's wall clock.
    await waitFor(() => expect(bodyRows(screen.getByRole('table', { name: 'Units per day by class' }))[0]?.[0]).toBe('2026-11-30'));

    await user.click(screen.getByRole('radio', { name: 'Hour' }));
    await waitFor(() => expect(usageQueries(api).at(-1)).toMatchObject({ window: 'hour', timezone: 'UTC' }));
    expect(await screen.findByRole('table', { name: 'Units per hour by class' })).toBeInTheDocument();
    expect(bodyRows(screen.getByRole('table', { name: 'Units per hour by class' }))[0]?.[0]).toBe('2026-11-30 18:15');

    await user.click(screen.getByRole('radio', { name: 'Last period (2026-11)' }));
    await waitFor(() => expect(usageQueries(api).at(-1)).toMatchObject({ from: NOV.start, to: NOV.end }));
  });

  it('burns down included units per class, day by day in the billing zone', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/billing', api);
    const section = await screen.findByRole('region', { name: 'Included units' });
    expect(within(section).getByText('1,000 of 1,000 used')).toBeInTheDocument();
    expect(within(section).getByText('200 units over, billed at the plan’s prices')).toBeInTheDocument();
    const table = await within(section).findByRole('table', { name: 'Included units remaining by day' });
    expect(headers(table)).toEqual(['Day (Asia/Kathmandu)', 'HL7 in remaining']);
    // Every day of the period so far on Kathmandu's calendar (Dec 15, 15:15 there), days without usage included.
    const rows = bodyRows(table);
    expect(rows).toHaveLength(15);
    expect(rows.slice(0, 4)).toEqual([
      ['2026-12-01', '960'],
      ['2026-12-02', '960'],
      ['2026-12-03', '0'],
      ['2026-12-04', '0'],
    ]);
    expect(rows.at(-1)).toEqual(['2026-12-15', '0']);
  });

  it('reads every page of a long answer', async () => {
    const api = createFakeApi();
    serve(api);
    const [first, ...rest] = usageByConnection;
    api.on('GET', '/v1/usage', (req) => {
      const q = query(req.path);
      if (q.groupBy !== 'connection,billable') return json(200, page([]));
      return q.cursor === 'p2'
        ? json(200, page(rest))
        : json(200, page(first ? [first] : [], 'p2'));
    });
    renderConsole('/billing', api);
    const table = await screen.findByRole('table', { name: 'Billable units per day by connection' });
    expect(bodyRows(table)).toHaveLength(3);
    expect(usageQueries(api).filter((q) => q.cursor === 'p2')).toHaveLength(1);
  });

  it('shows loading, then the API’s error; and an empty period', async () => {
    const api = createFakeApi();
    serve(api);
    let answer = problem(503, 'unavailable', 'Billing is resting');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    api.on('GET', '/v1/billing/invoices/preview', async (req) => {
      await gate;
      return query(req.path).period === 'current' ? answer : problem(404, 'not_found', 'No such period');
    });
    renderConsole('/billing', api);
    expect(await screen.findByText('Loading the billing period…')).toBeInTheDocument();
    release();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the billing period');
    expect(within(alert).getByText('unavailable')).toBeInTheDocument();

    answer = json(200, preview({ plan: null, lines: [], subtotal: '0.00', total: '0.00', quantities: { usage: {}, activeConnections: 0, distinctPatients: 0, newLiveConnections: 0 } }));
    api.on('GET', '/v1/usage', json(200, page([])));
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText(/No plan assigned yet/)).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'No billable usage in this period' })).toBeInTheDocument();
    // A first period: units to date still shown, nothing earlier to compare with.
    expect(screen.getByRole('region', { name: 'Billable units to date' })).toHaveTextContent('0No earlier period to compare with');
    expect(screen.queryByRole('region', { name: 'Included units' })).not.toBeInTheDocument();
  });
});
