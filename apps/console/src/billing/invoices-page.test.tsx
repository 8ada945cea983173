import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEC, INV_NOV, invoices, lastPreview, NOV, preview } from '../test/billing';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);
const rowOf = (table: HTMLElement, header: string) => within(table).getByRole('rowheader', { name: header }).closest('tr') as HTMLElement;

function serve(api: FakeApi) {
  api.on('GET', '/v1/console/me', json(200, sessionFor('finance')));
  api.on('GET', '/v1/billing/invoices/preview', (req) => {
    const period = query(req.path).period;
    return period === 'current' ? json(200, preview()) : period === '2026-11' ? json(200, lastPreview()) : problem(404, 'not_found', 'No such period');
  });
  api.on('GET', '/v1/billing/invoices', json(200, { items: invoices }));
}

describe('invoices page', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-15T09:30:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the draft invoice with each line’s computation, the plan and version, the period and when the data was refreshed', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/invoices', api);

    const lines = await screen.findByRole('table', { name: 'Invoice lines' });
    const reads = rowOf(lines, 'FHIR read (graduated tiers)');
    expect(reads).toHaveTextContent('15,000 units');
    expect(within(reads).getByText('units 1–1,000: 1,000 × $0.10 = $100.00')).toBeInTheDocument();
    expect(within(reads).getByText('units 1,001–10,000: 9,000 × $0.05 = $450.00')).toBeInTheDocument();
    expect(within(reads).getByText('units 10,001 and up: 5,000 × $0.01 = $50.00')).toBeInTheDocument();
    expect(within(reads).getAllByRole('cell').at(-1)).toHaveTextContent('$600.00');

    // Included units come off first; the unit price keeps all its digits.
    const hl7 = rowOf(lines, 'HL7 in (per unit)');
    expect(hl7).toHaveTextContent('1,200 units − 1,000 included (of 1,000) = 200 billable');
    expect(within(hl7).getByText('200 × $0.0125 = $2.50')).toBeInTheDocument();

    // A correction of a closed period links the invoice it corrects.
    const correction = rowOf(lines, 'Correction: FHIR read');
    expect(correction).toHaveTextContent('-100 units');
    expect(within(correction).getByRole('link', { name: 'invoice SB-000007' })).toHaveAttribute('href', `/v1/billing/invoices/${INV_NOV}/pdf`);
    expect(correction).toHaveTextContent('(period 2026-11)');
    expect(within(correction).getAllByRole('cell').at(-1)).toHaveTextContent('-$1.00');

    const cap = rowOf(lines, 'Cap');
    expect(cap).toHaveTextContent('cap $500.00 − usage $601.50 = -$101.50');
    expect(within(rowOf(lines, 'Subtotal')).getByRole('cell')).toHaveTextContent('$601.50');
    expect(within(rowOf(lines, 'Total')).getByRole('cell')).toHaveTextContent('$499.00');

    const facts = screen.getByRole('heading', { name: 'Draft invoice 2026-12' });
    expect(facts).toBeInTheDocument();
    expect(screen.getByText('Growth (version 2)')).toBeInTheDocument();
    expect(screen.getByText('2026-12: 2026-12-01 00:00 – 2027-01-01 00:00 (Asia/Kathmandu)')).toBeInTheDocument();
    expect(screen.getByText('Data refreshed').nextSibling?.textContent).toMatch(/2026/);
  });

  it('links the summary and detail CSV of the period shown, and every finalized invoice’s PDF', async () => {
    const api = createFakeApi();
    serve(api);
    renderConsole('/invoices', api);
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    const summary = await screen.findByRole('link', { name: 'Download summary CSV' });
    expect(query(summary.getAttribute('href') ?? '')).toEqual({ kind: 'summary', from: DEC.start, to: DEC.end });
    expect(summary.getAttribute('href')).toMatch(/^\/v1\/usage\/export\.csv\?/);
    expect(query(screen.getByRole('link', { name: 'Download detail CSV' }).getAttribute('href') ?? '')).toEqual({ kind: 'detail', from: DEC.start, to: DEC.end });

    const past = await screen.findByRole('table', { name: 'Past invoices' });
    const nov = rowOf(past, 'SB-000007');
    expect(nov).toHaveTextContent('2026-11');
    expect(nov).toHaveTextContent('$410.00');
    expect(within(nov).getByRole('link', { name: 'Download the PDF of invoice SB-000007' })).toHaveAttribute('href', `/v1/billing/invoices/${INV_NOV}/pdf`);
    expect(within(past).getAllByRole('row')).toHaveLength(3);

    // The last period: its own preview and its own CSV range.
    await user.selectOptions(screen.getByLabelText('Period'), '2026-11');
    await waitFor(() => expect(query(screen.getByRole('link', { name: 'Download summary CSV' }).getAttribute('href') ?? '')).toMatchObject({ from: NOV.start, to: NOV.end }));
    expect(api.sent('GET', '/v1/billing/invoices/preview').map((r) => query(r.path).period)).toContain('2026-11');
    expect(await screen.findByRole('heading', { name: 'Nothing to bill in this period yet' })).toBeInTheDocument();
  });

  it('says when no plan is assigned and no invoice is finalized yet', async () => {
    const api = createFakeApi();
    serve(api);
    api.on('GET', '/v1/billing/invoices/preview', json(200, preview({ plan: null, lines: [], subtotal: '0', total: '0' })));
    api.on('GET', '/v1/billing/invoices', json(200, { items: [] }));
    renderConsole('/invoices', api);
    expect(await screen.findByRole('heading', { name: 'No plan is assigned yet' })).toBeInTheDocument();
    expect(screen.getByText('None assigned')).toBeInTheDocument();
    expect(await screen.findByText(/No invoice has been finalized yet/)).toBeInTheDocument();
  });

  it('shows a loading state, then the API’s errors for the preview and the invoice list', async () => {
    const api = createFakeApi();
    serve(api);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    api.on('GET', '/v1/billing/invoices/preview', async () => {
      await gate;
      return problem(404, 'not_found', 'Tenant not found');
    });
    api.on('GET', '/v1/billing/invoices', problem(403, 'forbidden', 'Missing scope usage:read'));
    renderConsole('/invoices', api);
    expect(await screen.findByText('Loading the invoice preview…')).toBeInTheDocument();
    release();
    await waitFor(() => expect(screen.getAllByRole('alert')).toHaveLength(2));
    const [previewError, listError] = screen.getAllByRole('alert') as [HTMLElement, HTMLElement];
    expect(previewError).toHaveTextContent('Could not load the invoice preview');
    expect(within(previewError).getByText('not_found')).toBeInTheDocument();
    expect(listError).toHaveTextContent('Could not load invoices');
    expect(within(listError).getByText('forbidden')).toBeInTheDocument();
  });
});
