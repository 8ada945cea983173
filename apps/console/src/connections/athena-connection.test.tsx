import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Connection, TestReport } from '../api/types';
import { connection, createFakeApi, json, problem, secretSummary, serveConnectionDetail, sessionFor, type SeenRequest } from '../test/fake-api';
import { renderConsole } from '../test/render';

type User = ReturnType<typeof userEvent.setup>;
async function fill(user: User, input: HTMLElement, value: string) {
  await user.click(input);
  await user.paste(value);
}

const athena = (overrides: Partial<Connection> = {}): Connection =>
  connection({
    vendor: 'athena',
    name: 'Valley Clinic',
    fhirBaseUrl: null,
    scopes: [],
    authAlg: null,
    clientId: 'athena-app-1',
    clientSecretName: 'client_secret',
    athenaPracticeId: '195900',
    athenaEndpoints: { baseUrl: 'https://api.preview.platform.athenahealth.com', tokenUrl: 'https://api.preview.platform.athenahealth.com/oauth2/v1/token' },
    ...overrides,
  });

/** POST /v1/connections answers what `made` builds from the request; the detail page then reads that connection. */
function serveCreate(made: (req: SeenRequest) => Connection & { provisioning?: TestReport }) {
  const api = createFakeApi();
  let created: Connection | undefined;
  api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
  api.on('POST', '/v1/connections', (req) => {
    const c = made(req);
    created = c;
    return json(201, c);
  });
  serveConnectionDetail(api, () => ({ connection: created ?? athena(), secrets: [secretSummary()] }));
  api.on('PUT', '/v1/connections/:id/secrets/:name', json(200, { name: 'client_secret', version: 1 }));
  return api;
}

const report = (steps: TestReport['steps'], ok = true): TestReport => ({ connectionId: 'c-ath', vendor: 'athena', ok, testedAt: '2026-12-02T10:00:00.000Z', steps });

describe('add an athenahealth connection', () => {
  it('sends the practice, client id, departments and poll settings under the API’s names, then vaults the client secret', async () => {
    const api = serveCreate((req) => athena({ ...(req.body as Partial<Connection>), id: 'c-ath' }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /athenahealth/ }));
    await user.click(screen.getByRole('radio', { name: /Production/ }));
    // athena is configured by practice, not by FHIR base URL and scopes.
    expect(screen.queryByRole('textbox', { name: /FHIR base URL/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: /Read patients/ })).not.toBeInTheDocument();
    await fill(user, screen.getByRole('textbox', { name: /^Name/ }), 'Valley Clinic');
    await fill(user, screen.getByRole('textbox', { name: /Practice ID/ }), '1959222');
    await fill(user, screen.getByRole('textbox', { name: /Client ID/ }), 'athena-app-1');
    await fill(user, screen.getByLabelText(/^Client secret/), 'athena-s3cret');
    await fill(user, screen.getByRole('combobox', { name: /^Departments/ }), '1,150');
    await fill(user, screen.getByRole('textbox', { name: /Change poll interval/ }), '60');
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    expect(await screen.findByRole('heading', { name: 'Valley Clinic' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')[0]?.body).toEqual({
      name: 'Valley Clinic',
      environment: 'production',
      vendor: 'athena',
      athenaPracticeId: '1959222',
      clientId: 'athena-app-1',
      departmentIds: ['1', '150'],
      changePollSeconds: 60,
    });
    expect(api.sent('PUT', '/v1/connections/c-ath/secrets/client_secret')[0]?.body).toEqual({ value: 'athena-s3cret' });
    // The secret never went into the create body, a URL or the page.
    expect(JSON.stringify(api.sent('POST', '/v1/connections'))).not.toContain('athena-s3cret');
    expect(document.body.textContent).not.toContain('athena-s3cret');
  });

  it('checks the practice id, client id and departments before sending anything, naming each field', async () => {
    const api = serveCreate((req) => athena({ ...(req.body as Partial<Connection>) }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /athenahealth/ }));
    await user.click(screen.getByRole('radio', { name: /Production/ }));
    await fill(user, screen.getByRole('textbox', { name: /^Name/ }), 'Valley Clinic');
    await fill(user, screen.getByRole('textbox', { name: /Practice ID/ }), '19590A');
    await fill(user, screen.getByRole('combobox', { name: /^Departments/ }), 'east,');
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    expect(screen.getByRole('textbox', { name: /Practice ID/ })).toHaveAccessibleDescription(expect.stringMatching(/Digits only/));
    expect(screen.getByRole('textbox', { name: /Client ID/ })).toHaveAccessibleDescription(expect.stringMatching(/Enter the client ID/));
    expect(screen.getByText(/“east” is not a department id/)).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')).toEqual([]);
  });

  it('shows the API’s field issues when it refuses the settings', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
    api.on('POST', '/v1/connections', problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'athenaBaseUrl', message: 'must be an https URL' }] }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /athenahealth/ }));
    await fill(user, screen.getByRole('textbox', { name: /^Name/ }), 'Valley Clinic');
    await fill(user, screen.getByRole('textbox', { name: /Practice ID/ }), '195900');
    await fill(user, screen.getByRole('textbox', { name: /Client ID/ }), 'athena-app-1');
    await fill(user, screen.getByRole('textbox', { name: /API base URL/ }), 'http://athena.example');
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not create the connection');
    expect(alert).toHaveTextContent('athenaBaseUrl must be an https URL');
    expect(alert).toHaveTextContent('validation_failed');
  });

  it('wires a sandbox athena connection in one click and shows the test, the unsubscribed change feed as a warning with its hint', async () => {
    const api = serveCreate((req) => ({
      ...athena({ ...(req.body as Partial<Connection>), id: 'c-ath', status: 'live', athenaBaseUrl: 'http://127.0.0.1:4000/athena' }),
      provisioning: report([
        { name: 'token', status: 'passed', durationMs: 12, detail: 'access token issued, expires in 3600 s' },
        { name: 'practice-access', status: 'passed', durationMs: 4, detail: 'practice 195900 answers' },
        { name: 'departments', status: 'passed', durationMs: 5, detail: '3 departments; all are served (none configured)' },
        {
          name: 'change-feed',
          status: 'warning',
          durationMs: 3,
          detail: 'the appointments change feed is not subscribed yet',
          code: 'change_feed_not_subscribed',
          hint: 'Nothing to do: the change poller subscribes to the appointments feed when the connection goes live.',
        },
      ]),
    }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /athenahealth/ }));
    await user.click(screen.getByRole('button', { name: 'Connect to the sandbox EHR' }));

    expect(await screen.findByRole('heading', { name: 'athenahealth sandbox' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')[0]?.body).toEqual({ name: 'athenahealth sandbox', vendor: 'athena', environment: 'sandbox' });
    expect(screen.getByText('Test passed with a warning')).toBeInTheDocument();
    const rows = within(screen.getByRole('table', { name: 'Test steps' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]?.textContent)).toEqual(['Access token', 'Practice access', 'Departments', 'Change feed']);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['passed', 'passed', 'passed', 'warning']);
    expect(rows[3]).toHaveTextContent('change_feed_not_subscribed');
    expect(rows[3]).toHaveTextContent('the change poller subscribes');
  });
});

describe('an athenahealth connection’s page', () => {
  it('shows the practice, the endpoints (defaults named as such), departments and polling, and the client secret panel', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    serveConnectionDetail(api, (id) => ({ connection: athena({ id, departmentIds: ['1', '150'], changePollSeconds: 60 }), secrets: [secretSummary({ version: 2 })] }));
    renderConsole('/connections/c-ath', api);

    expect(await screen.findByRole('heading', { name: 'Valley Clinic' })).toBeInTheDocument();
    expect(screen.getByText('195900')).toBeInTheDocument();
    expect(screen.getByText('athena-app-1')).toBeInTheDocument();
    expect(screen.getByText('https://api.preview.platform.athenahealth.com (default for sandbox)')).toBeInTheDocument();
    expect(screen.getByText('https://api.preview.platform.athenahealth.com/oauth2/v1/token (default for sandbox)')).toBeInTheDocument();
    expect(screen.getByText('1, 150')).toBeInTheDocument();
    expect(screen.getByText(/polled every 60 s, replaying the default window/)).toBeInTheDocument();
    expect(screen.getByText(/Client secret: set · version 2/)).toBeInTheDocument();
    expect(screen.queryByText('FHIR base URL')).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: /Signing keys/ })).not.toBeInTheDocument();
  });

  it('runs the test and shows why practice access failed, with athena’s hint, and the skipped steps', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
    serveConnectionDetail(api, (id) => ({
      connection: athena({
        id,
        athenaPracticeId: '195901',
        athenaBaseUrl: 'https://athena.example',
        environment: 'production',
        athenaEndpoints: { baseUrl: 'https://athena.example', tokenUrl: 'https://athena.example/oauth2/v1/token' },
      }),
    }));
    api.on(
      'POST',
      '/v1/connections/c-ath/test',
      json(
        200,
        report(
          [
            { name: 'token', status: 'passed', durationMs: 10, detail: 'access token issued, expires in 3600 s' },
            {
              name: 'practice-access',
              status: 'failed',
              durationMs: 6,
              detail: 'the app is not granted practice 195901 (HTTP 401, Incorrect permissions)',
              code: 'practice_not_permitted',
              hint: 'The app is not granted this practice (“Incorrect permissions”): the practice has to enable your app.',
            },
            { name: 'departments', status: 'skipped', durationMs: 0, detail: 'needs access to practice 195901' },
            { name: 'change-feed', status: 'skipped', durationMs: 0, detail: 'needs access to practice 195901' },
          ],
          false,
        ),
      ),
    );
    renderConsole('/connections/c-ath', api);
    const user = userEvent.setup();

    expect(await screen.findByText('https://athena.example')).toBeInTheDocument();
    expect(screen.getByText(/Gets an access token, then checks access to the practice/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Run test' }));

    expect(await screen.findByText('Test failed')).toBeInTheDocument();
    const rows = within(screen.getByRole('table', { name: 'Test steps' })).getAllByRole('row').slice(1);
    expect(rows[1]).toHaveTextContent('Practice access');
    expect(rows[1]).toHaveTextContent('practice_not_permitted');
    expect(rows[1]).toHaveTextContent('the practice has to enable your app');
    expect(rows.slice(2).map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['skipped', 'skipped']);
  });
});
