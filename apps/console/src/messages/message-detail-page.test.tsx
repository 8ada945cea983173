import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { FeedEvent, Role } from '../api/types';
import { connection, createFakeApi, json, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { detail, HL7_CONNECTION_ID as ID, summary } from './test-fixtures';

const PAGE_LOAD = { timeout: 10_000 };

function serve(api: FakeApi, role: Role, phi: boolean) {
  const session = sessionFor(role, { phi, scopes: [...sessionFor(role).scopes, ...(phi ? ['system/*.rs'] : [])] });
  api.on('GET', '/v1/console/me', json(200, session));
  api.on('GET', `/v1/connections/${ID}`, json(200, connection({ id: ID, name: 'Springfield General', vendor: 'hl7v2' })));
}

describe('message detail', () => {
  it('shows a user without the PHI grant a note and never requests the message content', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', false);
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, json(200, detail()));
    renderConsole(`/connections/${ID}/messages/m-1`, api);

    expect(await screen.findByText(/needs the PHI grant/, undefined, PAGE_LOAD)).toBeInTheDocument();
    expect(screen.queryByText(/MRN-778899/)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reprocess' })).not.toBeInTheDocument();
    expect(api.sent('GET', `/v1/connections/${ID}/hl7/messages/m-1`)).toHaveLength(0);
  });

  it('shows the raw message one segment per line, the ACK, the FHIR output and what the error code means', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', true);
    api.on(
      'GET',
      `/v1/connections/${ID}/hl7/messages/m-1`,
      json(200, detail({ status: 'failed', errorCode: '101', errorMeaning: 'Required field missing: a field the conversion needs is empty.', resources: null, processedAt: null })),
    );
    renderConsole(`/connections/${ID}/messages/m-1`, api);

    const raw = await screen.findByLabelText('Raw message segments', undefined, PAGE_LOAD);
    expect(raw.textContent?.split('\n')).toEqual([
      'MSH|^~\\&|LAB|SPRINGFIELD|SB|SB|20261202090000||ORU^R01|CTRL-0001|P|2.5.1',
      'PID|1||MRN-778899^^^SPRINGFIELD^MR||Doe^Jane',
      'OBX|1|NM|GLU^Glucose^L||5.4|mmol/L',
    ]);
    expect(screen.getByLabelText('ACK sent')).toHaveTextContent('MSA|AA|CTRL-0001');
    expect(screen.getByText('Error 101')).toBeInTheDocument();
    expect(screen.getByText('Required field missing: a field the conversion needs is empty.')).toBeInTheDocument();
    expect(screen.getByText('Nothing yet: the message has not been processed.')).toBeInTheDocument();
    // A viewer may read (with the grant) but not reprocess.
    expect(screen.queryByRole('button', { name: 'Reprocess' })).not.toBeInTheDocument();
  });

  it('reprocesses with a progress indicator, then shows the new status', async () => {
    const api = createFakeApi();
    serve(api, 'developer', true);
    let current = detail({ status: 'failed', errorCode: '101', errorMeaning: 'Required field missing.', resources: null });
    let polls = 0;
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, () => json(200, current));
    api.on('POST', `/v1/connections/${ID}/hl7/messages/m-1/reprocess`, () => json(202, summary({ status: 'received', errorCode: null, processedAt: null, attempts: 0 })));
    api.on('GET', `/v1/connections/${ID}/hl7/messages`, () => {
      polls += 1;
      if (polls < 2) return json(200, { items: [summary({ status: 'received', errorCode: null })], next: null });
      current = detail({ status: 'processed' });
      return json(200, { items: [summary({ status: 'processed' })], next: null });
    });
    renderConsole(`/connections/${ID}/messages/m-1`, api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Reprocess' }, PAGE_LOAD));
    expect(await screen.findByText(/Reprocessing under the current dialect/)).toBeInTheDocument();
    const done = await screen.findByText('Reprocessed: now', undefined, { timeout: 5000 });
    expect(done.parentElement).toHaveTextContent('processed');
    expect(screen.queryByText(/Reprocessing under the current dialect/)).not.toBeInTheDocument();
    // The message is read again: its FHIR output appears.
    expect(await screen.findByRole('button', { name: 'DiagnosticReport/dr-1' })).toBeInTheDocument();
    // Polling used the metadata log by control id, not the PHI read.
    expect(api.sent('GET', `/v1/connections/${ID}/hl7/messages`).every((r) => r.path.includes('controlId=CTRL-0001'))).toBe(true);
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/messages/m-1/reprocess`)[0]?.headers['x-csrf-token']).toBe('csrf-developer');
  });

  it('follows the message’s event to the webhook delivery and its attempt', async () => {
    const api = createFakeApi();
    serve(api, 'developer', true);
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, json(200, detail({ processedAt: '2026-12-02T09:00:01.000Z' })));
    const event = (position: number, e: Partial<FeedEvent>): FeedEvent & { position: number } => ({
      position,
      id: `e-${position}`,
      type: 'result.received',
      version: 1,
      timestamp: '2026-12-02T09:00:01.100Z',
      tenantId: 't-1',
      connectionId: ID,
      data: { patient: 'Patient/p-1', report: 'DiagnosticReport/dr-1' },
      ...e,
    });
    const feed = [
      event(7, { timestamp: '2026-11-30T10:00:00.000Z' }),
      event(3_000, { timestamp: '2026-12-02T08:00:00.000Z', data: { patient: 'Patient/p-9' } }),
      event(40_000, {}),
      event(40_001, { connectionId: 'c-other', data: { patient: 'Patient/p-1' } }),
      event(90_000, { timestamp: '2026-12-02T12:00:00.000Z' }),
    ];
    api.on('GET', '/v1/events', (req) => {
      const q = new URL(req.path, 'http://x').searchParams;
      const after = Number(q.get('after') ?? 0);
      const page = feed.filter((e) => e.position > after).slice(0, Number(q.get('limit') ?? 100));
      return json(200, { data: page.map(({ position: _p, ...e }) => e), next: String(page.at(-1)?.position ?? after) });
    });
    const endpoint = { id: 'w-1', url: 'https://app.example.com/hooks', description: null, eventTypes: ['result.received'], payload: 'thin', orderingKey: 'none', status: 'enabled', disabledReason: null, previousSecretExpiresAt: null, createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z' };
    api.on('GET', '/v1/webhook-endpoints', json(200, { data: [endpoint, { ...endpoint, id: 'w-2', url: 'https://other.example.com', eventTypes: ['patient.admitted'] }] }));
    api.on('GET', '/v1/webhook-endpoints/w-1/deliveries', json(200, { data: [{ id: 'd-1', eventId: 'e-40000', eventType: 'result.received', status: 'succeeded', attempts: 1, nextAttemptAt: null, lastStatusCode: 200, lastError: null, createdAt: '2026-12-02T09:00:01Z', completedAt: '2026-12-02T09:00:02Z' }] }));
    api.on('GET', '/v1/webhook-endpoints/w-1/attempts', json(200, { data: [{ id: 'a-1', eventId: 'e-40000', deliveryId: 'd-1', status: 'succeeded', statusCode: 200, durationMs: 87, error: null, attemptedAt: '2026-12-02T09:00:02Z' }], next: null }));
    renderConsole(`/connections/${ID}/messages/m-1`, api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Find events from this message' }, PAGE_LOAD));
    const deliveries = await screen.findByRole('table', { name: 'Webhook deliveries' }, { timeout: 5000 });
    expect(screen.getByText('e-40000')).toBeInTheDocument();
    for (const other of ['e-7', 'e-3000', 'e-40001', 'e-90000']) expect(screen.queryByText(other)).not.toBeInTheDocument();
    const row = within(deliveries).getAllByRole('row')[1];
    expect(within(row as HTMLElement).getByRole('link', { name: 'https://app.example.com/hooks' })).toHaveAttribute('href', '/webhooks/w-1');
    expect(row).toHaveTextContent('succeeded');
    expect(row).toHaveTextContent('HTTP 200 · 87 ms');
    expect(screen.queryByText('https://other.example.com')).not.toBeInTheDocument();
  });
});
