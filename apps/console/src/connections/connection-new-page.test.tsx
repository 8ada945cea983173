import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../api/types';
import { connection, createFakeApi, json, serveConnectionDetail, sessionFor, type SeenRequest } from '../test/fake-api';
import { renderConsole } from '../test/render';

type User = ReturnType<typeof userEvent.setup>;
async function fill(user: User, input: HTMLElement, value: string) {
  await user.click(input);
  await user.paste(value);
}

function serveCreate(made: (req: SeenRequest) => Connection & { provisioning?: unknown }) {
  const api = createFakeApi();
  let created: Connection | undefined;
  api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
  api.on('POST', '/v1/connections', (req) => {
    const c = made(req);
    created = c;
    return json(201, c);
  });
  // The detail page it lands on reads the connection (with its secrets and keys) over GraphQL.
  serveConnectionDetail(api, () => ({ connection: created ?? connection() }));
  api.on('PUT', '/v1/connections/:id/secrets/:name', json(200, { name: 'client_secret', version: 1 }));
  return api;
}

describe('add connection', () => {
  it('creates an Oracle Health connection, then writes its client secret once to the vault', async () => {
    const api = serveCreate((req) => connection({ ...(req.body as Partial<Connection>), id: 'c-ora', clientSecretName: 'client_secret', vendor: 'oracle' }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /Oracle Health/ }));
    await user.click(screen.getByRole('radio', { name: /Production/ }));
    await fill(user, screen.getByRole('textbox', { name: /^Name/ }), 'County Oracle');
    await fill(user, screen.getByRole('textbox', { name: /FHIR base URL/ }), 'https://fhir-ehr.cerner.example/r4/abc');
    await fill(user, screen.getByRole('textbox', { name: /Client ID/ }), 'sys-account-1');
    await fill(user, screen.getByLabelText(/^Client secret/), 's3cr3t-value');
    await fill(user, screen.getByRole('textbox', { name: /SMART launch client ID/ }), 'launch-client-7');
    await user.click(screen.getByRole('checkbox', { name: /Read patients/ }));
    await user.click(screen.getByRole('checkbox', { name: /Create notes \(DocumentReference\)/ }));
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    expect(await screen.findByRole('heading', { name: 'County Oracle' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')[0]?.body).toEqual({
      name: 'County Oracle',
      environment: 'production',
      vendor: 'oracle',
      fhirBaseUrl: 'https://fhir-ehr.cerner.example/r4/abc',
      clientId: 'sys-account-1',
      smartClientId: 'launch-client-7',
      scopes: ['system/Patient.read', 'system/DocumentReference.write'],
    });
    expect(api.sent('PUT', '/v1/connections/c-ora/secrets/client_secret')[0]?.body).toEqual({ value: 's3cr3t-value' });
  });

  it('sends HL7 v2 settings under the schema’s field names', async () => {
    const api = serveCreate((req) => connection({ ...(req.body as Partial<Connection>), id: 'c-hl7', vendor: 'hl7v2' }));
    renderConsole('/connections/new', api);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: /HL7 v2 site/ }));
    await fill(user, screen.getByRole('textbox', { name: /^Name/ }), 'Mercy ADT');
    await fill(user, screen.getByRole('textbox', { name: /MLLP host/ }), 'mllp.mercy.example');
    await user.type(screen.getByRole('textbox', { name: /MLLP port/ }), '2575');
    await user.click(screen.getByRole('checkbox', { name: 'Use TLS' }));
    await user.type(screen.getByRole('textbox', { name: /Sending facility \(MSH-4\)/ }), 'MERCY');
    await user.type(screen.getByRole('textbox', { name: /Sending application \(MSH-3\)/ }), 'EPIC');
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    expect(await screen.findByRole('heading', { name: 'Mercy ADT' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')[0]?.body).toEqual({
      name: 'Mercy ADT',
      environment: 'sandbox',
      vendor: 'hl7v2',
      mllpHost: 'mllp.mercy.example',
      mllpPort: 2575,
      mllpTls: true,
      hl7SendingFacility: 'MERCY',
      hl7SendingApplication: 'EPIC',
      hl7AckMode: 'original',
    });
  });

  it('wires a sandbox Epic connection in one click and shows the provisioning test', async () => {
    const api = serveCreate((req) => ({
      ...connection({ ...(req.body as Partial<Connection>), id: 'c-sbx', status: 'live' }),
      provisioning: {
        connectionId: 'c-sbx',
        vendor: 'epic',
        ok: true,
        testedAt: '2026-12-02T10:00:00.000Z',
        steps: [{ name: 'access-token', status: 'passed', durationMs: 30, detail: 'access token issued, expires in 300 s' }],
      },
    }));
    renderConsole('/connections/new', api);

    await userEvent.setup().click(await screen.findByRole('button', { name: 'Connect to the sandbox EHR' }));

    expect(await screen.findByRole('heading', { name: 'Epic sandbox' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections')[0]?.body).toEqual({ name: 'Epic sandbox', vendor: 'epic', environment: 'sandbox' });
    const steps = await screen.findByRole('table', { name: 'Test steps' });
    expect(within(steps).getByText('access token issued, expires in 300 s')).toBeInTheDocument();
  });
});
