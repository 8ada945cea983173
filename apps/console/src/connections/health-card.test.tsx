import { act, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection, ConnectionHealth } from '../api/types';
import { connection, createFakeApi, healthChange, json, serveConnectionDetail, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import type { HealthChange } from './queries';
import { HEALTH_REFRESH_MS } from './queries';

const ID = 'c-health';
const NEVER: ConnectionHealth = connection().health;
const health = (overrides: Partial<ConnectionHealth>): ConnectionHealth => ({ ...NEVER, ...overrides });

const date = (iso: string) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(iso));
const dateTimeWithSeconds = (iso: string) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));

function serve(api: FakeApi, c: Connection, healthChanges: HealthChange[] = []) {
  api.on('GET', '/v1/console/me', json(200, sessionFor('admin')));
  serveConnectionDetail(api, () => ({ connection: c, healthChanges }));
}

async function healthCard() {
  return screen.findByRole('region', { name: 'Health' });
}

/** The text of each term (dt) with its value (dd). */
const facts = (card: HTMLElement): Record<string, string> =>
  Object.fromEntries(within(card).getAllByRole('term').map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));

afterEach(() => {
  vi.useRealTimers();
});

describe('connection health card', () => {
  it('shows the monitor’s status since when, the last check, the recent error rate, the last success and the history with reasons in words', async () => {
    const api = createFakeApi();
    serve(
      api,
      connection({
        id: ID,
        status: 'live',
        health: health({
          status: 'healthy',
          statusSince: '2026-12-03T09:31:07.000Z',
          lastCheckAt: '2026-12-03T09:40:00.000Z',
          errorRate: 0.125,
          recentCalls: 40,
          lastSuccessAt: '2026-12-03T09:40:00.000Z',
        }),
      }),
      [
        healthChange({ from: 'down', to: 'healthy', reason: 'check_passed', errorCode: null, eventId: 'evt-3', at: '2026-12-03T09:31:07.000Z' }),
        healthChange({ from: 'degraded', to: 'down', reason: 'check_failed', errorCode: 'http_500', eventId: 'evt-2', at: '2026-12-03T09:31:05.000Z' }),
        healthChange({ from: 'healthy', to: 'degraded', reason: 'error_rate', errorCode: 'error_rate', eventId: 'evt-1', at: '2026-12-03T09:31:03.000Z' }),
        healthChange({ from: 'unknown', to: 'healthy', reason: 'check_passed', errorCode: null, eventId: null, at: '2026-12-03T09:00:00.000Z' }),
      ],
    );
    renderConsole(`/connections/${ID}`, api);

    const card = await healthCard();
    expect(within(card).getByRole('heading', { name: 'Health', level: 2 })).toBeInTheDocument();
    expect(card).toHaveTextContent(/Healthy\s*since/);
    const shown = facts(card);
    expect(shown['Last check']).toMatch(/^Passed/);
    expect(shown['Error rate of recent calls']).toBe('12.5% of 40 calls');
    expect(shown['Last success']).not.toBe('never');

    expect(within(card).getByRole('heading', { name: 'Health history', level: 3 })).toBeInTheDocument();
    const table = within(card).getByRole('table', { name: 'Health history' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['When', 'Change', 'Reason', 'Error code', 'Webhook event']);
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell').map((cell) => cell.textContent));
    expect(rows).toEqual([
      [dateTimeWithSeconds('2026-12-03T09:31:07.000Z'), 'Down→toHealthy', 'Check passed', '—', 'Sentevt-3'],
      [dateTimeWithSeconds('2026-12-03T09:31:05.000Z'), 'Degraded→toDown', 'Check failed', 'http_500', 'Sentevt-2'],
      [dateTimeWithSeconds('2026-12-03T09:31:03.000Z'), 'Healthy→toDegraded', 'High error rate', 'error_rate', 'Sentevt-1'],
      [dateTimeWithSeconds('2026-12-03T09:00:00.000Z'), 'Not checked yet→toHealthy', 'Check passed', '—', 'None (first check)'],
    ]);
    // Nothing expires soon: no warning.
    expect(within(card).queryByText('Expiring soon')).not.toBeInTheDocument();
  });

  it('shows a down connection with the failed check’s code, and a key passing its rotation age as a warning', async () => {
    const api = createFakeApi();
    serve(
      api,
      connection({
        id: ID,
        status: 'live',
        health: health({
          status: 'down',
          statusSince: '2026-12-03T09:31:05.000Z',
          lastCheckAt: '2026-12-03T09:31:09.000Z',
          lastCheckError: 'http_500',
          lastSuccessAt: '2026-12-03T09:29:00.000Z',
          expiresSoon: [
            { kind: 'mllp-peer-certificate', name: 'inbound AB:CD', at: '2020-01-02T08:00:00.000Z' },
            { kind: 'client-secret', name: 'epic-secret', at: '2099-12-18T08:00:00.000Z' },
            { kind: 'signing-key', name: 'kid-2026-06', at: '2099-12-20T08:00:00.000Z' },
          ],
        }),
      }),
      [healthChange({ from: 'degraded', to: 'down' }), healthChange({ from: 'healthy', to: 'degraded' })],
    );
    renderConsole(`/connections/${ID}`, api);

    const card = await healthCard();
    expect(card).toHaveTextContent(/Down\s*since/);
    const shown = facts(card);
    expect(shown['Last check']).toMatch(/^Failed http_500/);
    expect(shown['Error rate of recent calls']).toBe('no recent calls');
    const warning = within(card).getByRole('alert');
    expect(warning).toHaveTextContent('Expiring soon');
    expect(warning).toHaveTextContent(`Signing key kid-2026-06 passes its rotation age on ${date('2099-12-20T08:00:00.000Z')}: generate a new key`);
    expect(warning).toHaveTextContent(`Client secret epic-secret expires on ${date('2099-12-18T08:00:00.000Z')}: get a new secret from the vendor`);
    expect(warning).toHaveTextContent(`The site’s MLLP certificate inbound AB:CD expired on ${date('2020-01-02T08:00:00.000Z')}: ask the hospital to renew it`);
    expect(within(card).getAllByRole('row')).toHaveLength(3);
  });

  it('says so when there is no history yet, and when the connection is not live the monitor has not checked it', async () => {
    const api = createFakeApi();
    serve(api, connection({ id: ID, status: 'testing' }));
    renderConsole(`/connections/${ID}`, api);

    const card = await healthCard();
    expect(within(card).getByText('Not checked yet')).toBeInTheDocument();
    expect(card).toHaveTextContent('Checked once the connection is live (it is testing).');
    expect(facts(card)).toEqual({ 'Last check': 'not yet', 'Error rate of recent calls': 'no recent calls', 'Last success': 'never' });
    expect(within(card).queryByRole('table')).not.toBeInTheDocument();
    expect(card).toHaveTextContent('No changes yet.');
  });

  it('keeps itself fresh while the page is open: a new status appears without a reload', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = createFakeApi();
    let current = connection({ id: ID, status: 'live', health: health({ status: 'healthy', statusSince: '2026-12-03T09:00:00.000Z', lastCheckAt: '2026-12-03T09:00:00.000Z' }) });
    let changes: HealthChange[] = [];
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    serveConnectionDetail(api, () => ({ connection: current, healthChanges: changes }));
    renderConsole(`/connections/${ID}`, api);

    const card = await healthCard();
    expect(card).toHaveTextContent(/Healthy\s*since/);
    current = { ...current, health: health({ status: 'degraded', statusSince: '2026-12-03T09:01:00.000Z', lastCheckAt: '2026-12-03T09:01:00.000Z', lastCheckError: 'vendor_timeout' }) };
    changes = [healthChange({ errorCode: 'vendor_timeout', at: '2026-12-03T09:01:00.000Z' })];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(HEALTH_REFRESH_MS + 100);
    });

    expect(await within(card).findByText(/^Failed/)).toHaveTextContent('Failed vendor_timeout');
    expect(card).toHaveTextContent(/Degraded\s*since/);
    expect(within(card).getByRole('table', { name: 'Health history' })).toHaveTextContent('vendor_timeout');
    // Only the health was re-read, not the whole page.
    expect(api.operationsSent('ConnectionDetail')).toHaveLength(1);
    expect(api.operationsSent('ConnectionHealth')).toEqual([{ query: expect.stringContaining('healthChanges'), variables: { id: ID } }]);
  });
});

describe('connections list health', () => {
  it('shows the monitor’s status (with the failed check’s code) apart from the last test someone ran', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    api.on(
      'GET',
      '/v1/connections',
      json(200, {
        items: [
          connection({
            id: 'c-down',
            name: 'Mercy Epic',
            status: 'live',
            health: health({
              status: 'down',
              lastCheckError: 'http_503',
              lastTestedAt: '2026-12-01T10:00:00.000Z',
              lastSuccessAt: '2026-12-03T09:00:00.000Z',
            }),
          }),
          connection({ id: 'c-busy', name: 'County Oracle', vendor: 'oracle', status: 'live', health: health({ status: 'degraded', errorRate: 0.4, recentCalls: 50 }) }),
          connection({ id: 'c-ok', name: 'Valley Athena', vendor: 'athena', status: 'live', health: health({ status: 'healthy', lastCheckAt: '2026-12-03T09:00:00.000Z' }) }),
          connection({ id: 'c-new', name: 'Lab feed', vendor: 'hl7v2', status: 'draft' }),
          connection({ id: 'c-quiet', name: 'Radiology feed', vendor: 'hl7v2', status: 'live', health: health({ lastCheckAt: '2026-12-03T09:00:00.000Z' }) }),
          connection({ id: 'c-echo', name: 'Echo', vendor: 'echo', status: 'live' }),
        ],
      }),
    );
    renderConsole('/connections', api);

    const table = await screen.findByRole('table', { name: 'Connections' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Name', 'Vendor', 'Environment', 'Status', 'Health', 'Last test']);
    const healthColumn = headers.indexOf('Health');
    const lastTestColumn = headers.indexOf('Last test');
    const cells = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell'));
    expect(cells.map((c) => c[healthColumn]?.textContent)).toEqual([
      'Downhttp_503',
      'Degraded40% of 50 calls failed',
      'Healthy',
      'Not checked yet',
      // An HL7 v2 feed has no light check: checked, but silent until messages flow.
      'No traffic yet',
      // The built-in echo connection is never checked.
      'Not monitored',
    ]);
    expect(cells[0]?.[lastTestColumn]).toHaveTextContent(/^Last test ok\s*Tested/);
    expect(cells[3]?.[lastTestColumn]).toHaveTextContent('Not tested');
    expect(table).toHaveTextContent('Health: the monitor’s scheduled checks of live connections. Last test: the most recent test someone ran.');
  });
});
