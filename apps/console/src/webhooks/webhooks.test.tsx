import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { EventTypeDefinition, Role, WebhookAttempt, WebhookEndpoint } from '../api/types';
import { createFakeApi, json, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';

const PAGE_LOAD = { timeout: 10_000 };
const SECRET = 'whsec_c2VjcmV0LXNob3duLW9uY2UtYW5kLW5ldmVyLWFnYWlu';

const CATALOG: EventTypeDefinition[] = [
  {
    type: 'patient.admitted',
    version: 1,
    description: 'An inpatient admission (HL7 ADT^A01)',
    emitted: true,
    schema: { type: 'object', properties: { patient: { type: 'string' } }, required: ['patient'] },
    example: { patient: 'Patient/123', encounter: 'Encounter/456' },
  },
  { type: 'result.received', version: 1, description: 'A result arrived (HL7 ORU^R01)', emitted: true, schema: { type: 'object' }, example: {} },
];

function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: 'w-1',
    url: 'https://care.example.com/hooks',
    description: null,
    eventTypes: ['patient.admitted'],
    payload: 'thin',
    orderingKey: 'none',
    status: 'enabled',
    disabledReason: null,
    previousSecretExpiresAt: null,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...overrides,
  };
}

function serve(api: FakeApi, role: Role, initial: WebhookEndpoint = endpoint()) {
  let current = initial;
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/event-types', json(200, { data: CATALOG }));
  api.on('GET', '/v1/webhook-endpoints', () => json(200, { data: [current] }));
  api.on('GET', '/v1/webhook-endpoints/:id', () => json(200, current));
  api.on('GET', '/v1/webhook-endpoints/:id/attempts', json(200, { data: [], next: null }));
  api.on('GET', '/v1/webhook-endpoints/:id/deliveries', json(200, { data: [] }));
  api.on('POST', '/v1/webhook-endpoints/:id/disable', () => {
    current = { ...current, status: 'disabled', disabledReason: 'manual' };
    return json(200, current);
  });
  api.on('POST', '/v1/webhook-endpoints/:id/enable', () => {
    current = { ...current, status: 'enabled', disabledReason: null };
    return json(200, current);
  });
  return { set: (e: WebhookEndpoint) => (current = e) };
}

describe('webhook endpoints', () => {
  it('lists endpoints with their event types and a disabled badge', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', endpoint({ status: 'disabled', disabledReason: 'gone', eventTypes: ['*'] }));
    renderConsole('/webhooks', api);

    const table = await screen.findByRole('table', { name: 'Webhook endpoints' }, PAGE_LOAD);
    const row = within(table).getAllByRole('row')[1] as HTMLElement;
    expect(within(row).getByRole('link', { name: 'https://care.example.com/hooks' })).toHaveAttribute('href', '/webhooks/w-1');
    expect(row).toHaveTextContent('All event types');
    expect(row).toHaveTextContent('disabled · gone');
    expect(screen.queryByRole('link', { name: 'Add endpoint' })).not.toBeInTheDocument();
  });

  it('creates an endpoint from the catalog and shows its secret once, in a dialog that closes', async () => {
    const api = createFakeApi();
    const server = serve(api, 'developer');
    api.on('POST', '/v1/webhook-endpoints', (req) => {
      const body = req.body as Partial<WebhookEndpoint>;
      const created = endpoint({ id: 'w-new', url: body.url, eventTypes: body.eventTypes, payload: body.payload, description: body.description ?? null });
      server.set(created);
      return json(201, { ...created, secret: SECRET });
    });
    const { router } = renderConsole('/webhooks/new', api);
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText(/Endpoint URL/, undefined, PAGE_LOAD), 'https://care.example.com/hooks');
    await user.type(screen.getByLabelText('Description'), 'Care team app');
    // Each type shows its description; its schema and example open on demand.
    expect(await screen.findByText('An inpatient admission (HL7 ADT^A01)')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Schema and example of patient.admitted' }));
    expect(await screen.findByText(/"encounter": "Encounter\/456"/)).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'patient.admitted' }));
    await user.click(screen.getByRole('radio', { name: /Full: references and the FHIR resources/ }));
    await user.click(screen.getByRole('button', { name: 'Create endpoint' }));

    const dialog = await screen.findByRole('dialog', { name: 'Signing secret' });
    expect(within(dialog).getByText(SECRET)).toBeInTheDocument();
    expect(dialog).toHaveTextContent('it will not be shown again');
    expect(within(dialog).getByRole('button', { name: 'Copy secret' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/webhook-endpoints')[0]?.body).toEqual({
      url: 'https://care.example.com/hooks',
      description: 'Care team app',
      eventTypes: ['patient.admitted'],
      payload: 'full',
      orderingKey: 'none',
    });

    await user.click(within(dialog).getByRole('button', { name: 'I have stored it, close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(router.state.location.pathname).toBe('/webhooks/w-new');
    expect(await screen.findByRole('heading', { name: 'Care team app' })).toBeInTheDocument();
    // Gone from the page, the URL and browser storage.
    expect(screen.queryByText(SECRET)).not.toBeInTheDocument();
    const { pathname, search, hash } = router.state.location;
    expect(pathname + search + hash).not.toContain('whsec_');
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
  });

  it('sends a test event and shows its attempt: status, HTTP status code, latency and the receiver’s answer', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    const attempt: WebhookAttempt = {
      id: 'a-1',
      eventId: 'ev-test',
      deliveryId: 'd-1',
      status: 'succeeded',
      statusCode: 202,
      durationMs: 42,
      error: null,
      responseExcerpt: '{"received":"ev-test"}',
      attemptedAt: '2026-12-02T10:00:00.000Z',
    };
    let polls = 0;
    api.on('POST', '/v1/webhook-endpoints/w-1/test', json(202, { eventId: 'ev-test' }));
    api.on('GET', '/v1/webhook-endpoints/w-1/attempts', () => {
      polls += 1;
      return json(200, { data: polls > 1 ? [attempt] : [], next: null });
    });
    renderConsole('/webhooks/w-1', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Send test event' }, PAGE_LOAD));
    expect(await screen.findByText(/waiting for the delivery attempt/)).toBeInTheDocument();
    const section = screen.getByRole('region', { name: 'Test event' });
    await within(section).findByText('202', undefined, { timeout: 5000 });
    expect(section).toHaveTextContent('succeeded');
    expect(section).toHaveTextContent('42 ms');
    expect(section).toHaveTextContent('{"received":"ev-test"}');
    // The attempt is looked up by its event, not searched for among the newest.
    expect(api.sent('GET', '/v1/webhook-endpoints/w-1/attempts').every((r) => new URL(r.path, 'http://x').searchParams.get('eventId') === 'ev-test')).toBe(true);
    expect(screen.queryByText(/waiting for the delivery attempt/)).not.toBeInTheDocument();
  });

  it('lists attempts with the start of each answer, or that there was none', async () => {
    const api = createFakeApi();
    serve(api, 'viewer');
    const attempt = (id: string, a: Partial<WebhookAttempt>): WebhookAttempt => ({
      id,
      eventId: `ev-${id}`,
      deliveryId: `d-${id}`,
      status: 'failed',
      statusCode: 500,
      durationMs: 12,
      error: 'http_500',
      responseExcerpt: null,
      attemptedAt: '2026-12-02T10:00:00.000Z',
      ...a,
    });
    api.on(
      'GET',
      '/v1/webhook-endpoints/w-1/attempts',
      json(200, { data: [attempt('a-2', { responseExcerpt: 'upstream database unavailable' }), attempt('a-1', { status: 'failed', statusCode: null, error: 'timeout' })], next: null }),
    );
    renderConsole('/webhooks/w-1', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('tab', { name: 'Attempts' }, PAGE_LOAD));
    const table = await screen.findByRole('table', { name: 'Attempts' });
    const [header, withBody, timedOut] = within(table).getAllByRole('row') as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(header).getByRole('columnheader', { name: 'Response' })).toBeInTheDocument();
    expect(withBody).toHaveTextContent('upstream database unavailable');
    expect(timedOut).toHaveTextContent('timeout');
    expect(timedOut).toHaveTextContent('no body');
  });

  it('pages the dead letters with Load more, following the API’s cursor', async () => {
    const api = createFakeApi();
    serve(api, 'viewer');
    const dead = (n: number) => ({ id: `d-${n}`, eventId: `ev-dead-${n}`, eventType: 'patient.admitted', status: 'failed', attempts: 13, nextAttemptAt: null, lastStatusCode: 503, lastError: 'http_503', createdAt: '2026-11-28T10:00:00Z', completedAt: '2026-12-01T10:00:00Z' });
    api.on('GET', '/v1/webhook-endpoints/w-1/deliveries', (req) => {
      const before = new URL(req.path, 'http://x').searchParams.get('before');
      return before === null ? json(200, { data: [dead(3), dead(2)], next: 'cursor-2' }) : json(200, { data: [dead(1)], next: null });
    });
    renderConsole('/webhooks/w-1', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('tab', { name: 'Dead letters' }, PAGE_LOAD));
    const table = await screen.findByRole('table', { name: 'Dead letters' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await within(table).findByText('ev-dead-1');
    expect(within(table).getAllByRole('row').slice(1).map((r) => within(r).getByText(/^ev-dead-/).textContent)).toEqual(['ev-dead-3', 'ev-dead-2', 'ev-dead-1']);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    const [first, second] = api.sent('GET', '/v1/webhook-endpoints/w-1/deliveries').map((r) => new URL(r.path, 'http://x').searchParams);
    expect(first?.get('status')).toBe('failed');
    expect(first?.get('before')).toBeNull();
    expect([second?.get('status'), second?.get('before')]).toEqual(['failed', 'cursor-2']);
  });

  it('asks for confirmation naming the endpoint before disabling it', async () => {
    const api = createFakeApi();
    serve(api, 'admin');
    renderConsole('/webhooks/w-1', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Disable' }, PAGE_LOAD));
    let dialog = await screen.findByRole('dialog', { name: 'Disable https://care.example.com/hooks?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.sent('POST', '/v1/webhook-endpoints/w-1/disable')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Disable' }));
    dialog = await screen.findByRole('dialog', { name: 'Disable https://care.example.com/hooks?' });
    await user.click(within(dialog).getByRole('button', { name: 'Disable endpoint' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.sent('POST', '/v1/webhook-endpoints/w-1/disable')).toHaveLength(1);
    expect(await screen.findByRole('button', { name: 'Enable' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send test event' })).toBeDisabled();
  });

  it('shows a viewer the endpoint and its dead letters, with no button that changes anything', async () => {
    const api = createFakeApi();
    serve(api, 'viewer');
    api.on(
      'GET',
      '/v1/webhook-endpoints/w-1/deliveries',
      json(200, { data: [{ id: 'd-9', eventId: 'ev-dead', eventType: 'patient.admitted', status: 'failed', attempts: 13, nextAttemptAt: null, lastStatusCode: 500, lastError: null, createdAt: '2026-11-28T10:00:00Z', completedAt: '2026-12-01T10:00:00Z' }] }),
    );
    renderConsole('/webhooks/w-1', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('tab', { name: 'Dead letters' }, PAGE_LOAD));
    const table = await screen.findByRole('table', { name: 'Dead letters' });
    expect(table).toHaveTextContent('ev-dead');
    expect(table).toHaveTextContent('HTTP 500');
    expect(api.sent('GET', '/v1/webhook-endpoints/w-1/deliveries')[0]?.path).toContain('status=failed');
    for (const name of ['Send test event', 'Disable', 'Delete', 'Rotate secret', 'Deliver again', 'Edit settings']) expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Replay' })).not.toBeInTheDocument();
  });
});
