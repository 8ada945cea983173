import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { MessageEventsPage, Role, WebhookAttempt, WebhookDelivery } from '../api/types';
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
    api.on(
      'GET',
      `/v1/connections/${ID}/hl7/messages/m-1/events`,
      json(200, { deliveriesHidden: false, items: [{ id: 'e-1', type: 'result.received', version: 1, timestamp: '2026-12-02T09:00:01.100Z', relayedAt: '2026-12-02T09:00:01.200Z', deliveries: [] }] }),
    );
    renderConsole(`/connections/${ID}/messages/m-1`, api);

    expect(await screen.findByText(/needs the PHI grant/, undefined, PAGE_LOAD)).toBeInTheDocument();
    expect(screen.queryByText(/MRN-778899/)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Reprocess' })).not.toBeInTheDocument();
    expect(api.sent('GET', `/v1/connections/${ID}/hl7/messages/m-1`)).toHaveLength(0);
    // The events trail is metadata: shown without the grant.
    expect(await screen.findByLabelText('Events from this message')).toHaveTextContent('result.received');
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
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1/events`, () =>
      json(200, {
        deliveriesHidden: false,
        items: current.status === 'processed' ? [{ id: 'e-after-fix', type: 'result.received', version: 1, timestamp: '2026-12-02T10:00:00.000Z', relayedAt: null, deliveries: [] }] : [],
      }),
    );
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
    // The events are read again with the message: the new processing's event appears.
    expect(await screen.findByText('e-after-fix')).toBeInTheDocument();
    // Polling used the metadata log by control id, not the PHI read.
    expect(api.sent('GET', `/v1/connections/${ID}/hl7/messages`).every((r) => r.path.includes('controlId=CTRL-0001'))).toBe(true);
    expect(api.sent('POST', `/v1/connections/${ID}/hl7/messages/m-1/reprocess`)[0]?.headers['x-csrf-token']).toBe('csrf-developer');
  });

  it('follows the message’s events (every processing, newest first) to each endpoint’s delivery and attempts', async () => {
    const api = createFakeApi();
    serve(api, 'developer', true);
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, json(200, detail()));
    const endpoint = (id: string, url: string, status: 'enabled' | 'disabled' = 'enabled') => ({ id, url, description: null, status });
    const attempt = (id: string, eventId: string, a: Partial<WebhookAttempt>): WebhookAttempt => ({
      id,
      eventId,
      deliveryId: `d-${eventId}`,
      status: 'succeeded',
      statusCode: 200,
      durationMs: 87,
      error: null,
      responseExcerpt: null,
      attemptedAt: '2026-12-02T09:00:02.000Z',
      ...a,
    });
    const delivery = (eventId: string, d: Partial<WebhookDelivery>): WebhookDelivery => ({
      id: `d-${eventId}`,
      eventId,
      eventType: null,
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: '2026-12-02T09:00:01.000Z',
      lastStatusCode: 200,
      lastError: null,
      createdAt: '2026-12-02T09:00:01.000Z',
      completedAt: '2026-12-02T09:00:02.000Z',
      ...d,
    });
    const page: MessageEventsPage = {
      deliveriesHidden: false,
      items: [
        {
          id: 'e-new',
          type: 'result.received',
          version: 1,
          timestamp: '2026-12-02T10:00:00.000Z',
          relayedAt: '2026-12-02T10:00:00.050Z',
          deliveries: [
            {
              endpoint: endpoint('w-1', 'https://app.example.com/hooks'),
              delivery: delivery('e-new', { status: 'pending', attempts: 2, lastStatusCode: 503, completedAt: null }),
              latestAttempts: [
                attempt('a-3', 'e-new', { status: 'failed', statusCode: 503, durationMs: 40, error: 'http_503', responseExcerpt: '{"error":"database busy"}' }),
                attempt('a-2', 'e-new', { status: 'failed', statusCode: null, durationMs: 15000, error: 'timeout' }),
              ],
            },
            { endpoint: endpoint('w-3', 'https://paused.example.com', 'disabled'), delivery: null, latestAttempts: [] },
          ],
        },
        {
          id: 'e-old',
          type: 'result.received',
          version: 1,
          timestamp: '2026-12-02T09:00:01.100Z',
          relayedAt: '2026-12-02T09:00:01.200Z',
          deliveries: [{ endpoint: endpoint('w-1', 'https://app.example.com/hooks'), delivery: delivery('e-old', {}), latestAttempts: [attempt('a-1', 'e-old', {})] }],
        },
      ],
    };
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1/events`, json(200, page));
    renderConsole(`/connections/${ID}/messages/m-1`, api);

    const events = await screen.findByLabelText('Events from this message', undefined, PAGE_LOAD);
    // Newest first, each with its webhook-id.
    expect(within(events).getAllByText(/^e-(new|old)$/).map((e) => e.textContent)).toEqual(['e-new', 'e-old']);
    const [newest, oldest] = within(events).getAllByRole('table', { name: 'Webhook deliveries' }) as [HTMLElement, HTMLElement];

    const [, retrying, disabled] = within(newest).getAllByRole('row') as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(retrying).getByRole('link', { name: 'https://app.example.com/hooks' })).toHaveAttribute('href', '/webhooks/w-1');
    expect(retrying).toHaveTextContent('pending');
    expect(retrying).toHaveTextContent('2 attempts');
    expect(retrying).toHaveTextContent('HTTP 503 · 40 ms');
    expect(retrying).toHaveTextContent('http_503');
    expect(retrying).toHaveTextContent('no answer · 15000 ms');
    expect(within(retrying).getByLabelText('Response excerpt')).toHaveTextContent('{"error":"database busy"}');
    expect(disabled).toHaveTextContent('disabled');
    expect(disabled).toHaveTextContent('none: the endpoint is disabled');

    const [, delivered] = within(oldest).getAllByRole('row') as [HTMLElement, HTMLElement];
    expect(delivered).toHaveTextContent('succeeded');
    expect(delivered).toHaveTextContent('1 attempt');
    expect(delivered).toHaveTextContent('HTTP 200 · 87 ms');

    // One request answers it all: no search through the event feed or the endpoints.
    expect(api.sent('GET', `/v1/connections/${ID}/hl7/messages/m-1/events`)).toHaveLength(1);
    expect(api.requests.filter((r) => r.path.startsWith('/v1/events') || r.path.startsWith('/v1/webhook-endpoints'))).toEqual([]);
  });

  it('says when an event waits in the outbox and when the caller may not see deliveries', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', true);
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, json(200, detail()));
    api.on(
      'GET',
      `/v1/connections/${ID}/hl7/messages/m-1/events`,
      json(200, { deliveriesHidden: true, items: [{ id: 'e-1', type: 'patient.admitted', version: 1, timestamp: '2026-12-02T09:00:01.100Z', relayedAt: null, deliveries: null }] }),
    );
    renderConsole(`/connections/${ID}/messages/m-1`, api);
    const events = await screen.findByLabelText('Events from this message', undefined, PAGE_LOAD);
    expect(events).toHaveTextContent('patient.admitted');
    expect(events).toHaveTextContent('waiting to be relayed');
    expect(screen.getByText(/needs the webhooks:read permission/)).toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Webhook deliveries' })).not.toBeInTheDocument();
  });

  it('shows an empty state when the message raised no events', async () => {
    const api = createFakeApi();
    serve(api, 'developer', true);
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1`, json(200, detail()));
    api.on('GET', `/v1/connections/${ID}/hl7/messages/m-1/events`, json(200, { deliveriesHidden: false, items: [] }));
    renderConsole(`/connections/${ID}/messages/m-1`, api);
    expect(await screen.findByText('No events from this message', undefined, PAGE_LOAD)).toBeInTheDocument();
  });
});
