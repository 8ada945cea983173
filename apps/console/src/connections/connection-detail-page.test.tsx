import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Connection, TestReport } from '../api/types';
import { connection, createFakeApi, json, secretSummary, serveConnectionDetail, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import { ConnectionDetailDocument } from './queries';

const ID = 'c-1';

function serve(api: FakeApi, role: Parameters<typeof sessionFor>[0], c: Connection) {
  let current = c;
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  serveConnectionDetail(api, () => ({ connection: current }));
  api.on('POST', `/v1/connections/${ID}/status`, (req) => {
    current = { ...current, status: (req.body as { status: Connection['status'] }).status };
    return json(200, current);
  });
}

describe('connection detail data', () => {
  it('reads the connection, its secrets’ metadata and its keys in one typed GraphQL query, and renders that result', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
    serveConnectionDetail(api, (id) => ({
      connection: connection({ id, vendor: 'athena', name: 'Valley Athena', athenaPracticeId: '195900', clientSecretName: 'athena_secret' }),
      secrets: [secretSummary({ name: 'athena_secret', version: 4 })],
    }));
    renderConsole(`/connections/${ID}`, api);

    expect(await screen.findByRole('heading', { name: 'Valley Athena' })).toBeInTheDocument();
    expect(screen.getByText('195900')).toBeInTheDocument();
    expect(screen.getByText(/Client secret: set · version 4/)).toBeInTheDocument();
    // The generated document, as codegen wrote it, with the route's id as its variable.
    const sent = api.operationsSent('ConnectionDetail');
    expect(sent).toEqual([{ query: ConnectionDetailDocument.toString(), variables: { id: ID } }]);
    expect(sent[0]?.query).toMatch(/secrets \{[^}]*version[^}]*\}\s*keys \{[^}]*kid/);
    // No REST read of the connection or its credentials.
    expect(api.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/connections'))).toEqual([]);
  });

  it('shows the signing keys from the same query', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    serveConnectionDetail(api, (id) => ({
      connection: connection({ id }),
      keys: [{ kid: 'kid-7', alg: 'ES384', status: 'retiring', createdAt: '2026-11-01T10:00:00.000Z', retiredAt: null, jwksUrl: 'https://sb.example/.well-known/jwks/c-1.json' }],
    }));
    renderConsole(`/connections/${ID}`, api);

    const table = await screen.findByRole('table', { name: 'Signing keys' });
    expect(within(table).getByText('kid-7')).toBeInTheDocument();
    expect(within(table).getByText('ES384')).toBeInTheDocument();
    expect(within(table).getByText('retiring')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'JWKS URL' })).toHaveValue('https://sb.example/.well-known/jwks/c-1.json');
  });

  it('says so when the connection does not exist (GraphQL not_found)', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    api.on('POST', '/graphql', json(200, { data: null, errors: [{ message: 'Connection not found', extensions: { code: 'not_found' } }] }));
    renderConsole(`/connections/${ID}`, api);

    expect(await screen.findByText('No such connection')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to connections' })).toBeInTheDocument();
  });
});

describe('connection test report', () => {
  it('runs the test with a progress indicator, then shows each step with its code and a hint for failures', async () => {
    const api = createFakeApi();
    serve(api, 'developer', connection({ id: ID }));
    let finish!: () => void;
    const report: TestReport = {
      connectionId: ID,
      vendor: 'epic',
      ok: false,
      testedAt: '2026-12-02T10:00:00.000Z',
      steps: [
        { name: 'smart-configuration', status: 'passed', durationMs: 41.2, detail: 'token endpoint ehr.example/oauth2/token' },
        { name: 'capability-statement', status: 'passed', durationMs: 80, detail: 'CapabilityStatement, FHIR 4.0.1' },
        {
          name: 'access-token',
          status: 'failed',
          durationMs: 120.4,
          detail: 'token request refused (HTTP 401, invalid_client)',
          code: 'invalid_client',
          hint: 'The hospital does not trust this client yet: check the client ID and the JWKS URL registered with it',
        },
      ],
    };
    api.on('POST', `/v1/connections/${ID}/test`, () => new Promise((resolve) => (finish = () => resolve(json(200, report)))));
    renderConsole(`/connections/${ID}`, api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Run test' }));
    expect(await screen.findByText(/Running the live check/)).toBeInTheDocument();
    finish();

    const table = await screen.findByRole('table', { name: 'Test steps' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['passed', 'passed', 'failed']);
    expect(rows[2]).toHaveTextContent('Access token');
    expect(rows[2]).toHaveTextContent('120 ms');
    expect(within(rows[2]).getByText('invalid_client')).toBeInTheDocument();
    expect(rows[2]).toHaveTextContent('The hospital does not trust this client yet: check the client ID and the JWKS URL registered with it');
    expect(rows[0]).not.toHaveTextContent('does not trust');
    expect(screen.queryByText(/Running the live check/)).not.toBeInTheDocument();
    // The write carried the CSRF token read from /me.
    expect(api.sent('POST', `/v1/connections/${ID}/test`)[0]?.headers['x-csrf-token']).toBe('csrf-developer');
  });

  it('shows the hint the API gives a failed step, and none where it gives none', async () => {
    const api = createFakeApi();
    serve(api, 'owner', connection({ id: ID }));
    api.on(
      'POST',
      `/v1/connections/${ID}/test`,
      json(200, {
        connectionId: ID,
        vendor: 'epic',
        ok: false,
        testedAt: '2026-12-02T10:00:00.000Z',
        steps: [
          { name: 'capability-statement', status: 'failed', durationMs: 12, detail: 'GET /metadata answered HTTP 502', code: 'http_502', hint: 'The hospital’s server failed: try again later.' },
          { name: 'access-token', status: 'failed', durationMs: 3, detail: 'token request refused', code: 'something_new' },
        ],
      }),
    );
    renderConsole(`/connections/${ID}`, api);

    await userEvent.setup().click(await screen.findByRole('button', { name: 'Run test' }));
    const rows = within(await screen.findByRole('table', { name: 'Test steps' })).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('The hospital’s server failed: try again later.');
    expect(rows[1]).toHaveTextContent('something_new');
    expect(within(rows[1]).getAllByText(/./).map((e) => e.textContent).join(' ')).not.toMatch(/check|try again/i);
  });
});

describe('go live', () => {
  it('for a production connection, needs the connection’s name typed before it goes live (draft → testing → live)', async () => {
    const api = createFakeApi();
    serve(api, 'owner', connection({ id: ID, name: 'Mercy General', environment: 'production', status: 'draft' }));
    renderConsole(`/connections/${ID}`, api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Go live' }));
    const dialog = await screen.findByRole('dialog', { name: 'Go live with Mercy General?' });
    const confirm = within(dialog).getByRole('button', { name: 'Go live' });
    expect(confirm).toBeDisabled();

    const input = within(dialog).getByLabelText('Type “Mercy General” to confirm');
    await user.type(input, 'Mercy');
    expect(confirm).toBeDisabled();
    await user.click(confirm);
    expect(api.sent('POST', `/v1/connections/${ID}/status`)).toHaveLength(0);

    await user.type(input, ' General');
    expect(confirm).toBeEnabled();
    await user.click(confirm);

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.sent('POST', `/v1/connections/${ID}/status`).map((r) => r.body)).toEqual([{ status: 'testing' }, { status: 'live' }]);
    expect(screen.queryByRole('button', { name: 'Go live' })).not.toBeInTheDocument();
  });

  it('is absent for a developer on a production connection (no connections:go-live)', async () => {
    const api = createFakeApi();
    serve(api, 'developer', connection({ id: ID, environment: 'production', status: 'testing' }));
    renderConsole(`/connections/${ID}`, api);

    expect(await screen.findByRole('button', { name: 'Run test' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Go live' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Disable' })).not.toBeInTheDocument();
  });

  it('shows a viewer the settings and no buttons that change anything', async () => {
    const api = createFakeApi();
    serve(api, 'viewer', connection({ id: ID, status: 'testing' }));
    renderConsole(`/connections/${ID}`, api);

    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByText('https://fhir.stmarys.example/api/FHIR/R4')).toBeInTheDocument();
    for (const name of ['Run test', 'Go live', 'Disable', 'Generate key']) expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
  });
});
