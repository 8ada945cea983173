import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { createFakeApi, json, problem, sessionFor, type FakeApi } from '../test/fake-api';
import { renderConsole } from '../test/render';
import type { SmartApp } from './queries';

// Mantine's autosizing textareas listen for web fonts loading; jsdom has no document.fonts.
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { configurable: true, value: { addEventListener: () => undefined, removeEventListener: () => undefined } });

const SECRET = 'sbss_THISisTHEclientSECRETvalue0123456789abcdef';
const ROTATED = 'sbss_ROTATEDclientSECRETvalue9876543210fedcba';

const smartApp = (overrides: Partial<SmartApp> = {}): SmartApp => ({
  id: '5a1e0000-0000-4000-8000-000000000001',
  name: 'Telehealth Visit',
  clientId: 'sbsa_Ab3dEf6hIj9kLm2nOp5q',
  clientType: 'public',
  confidential: false,
  hasSecret: false,
  jwksUrl: null,
  launchUrl: 'https://tele.example.com/smart/launch',
  redirectUris: ['https://tele.example.com/smart/callback'],
  scopes: ['launch', 'openid', 'fhirUser', 'patient/Patient.rs', 'patient/Observation.rs?category=laboratory'],
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...overrides,
});

function serve(api: FakeApi, role: Role, apps: SmartApp[] = []) {
  const state = { apps: [...apps] };
  api.on('GET', '/v1/console/me', json(200, sessionFor(role)));
  api.on('GET', '/v1/smart-apps', () => json(200, { items: state.apps }));
  return state;
}

/** Types into a field as a paste (one input event): fast on a busy machine; `\n` makes new lines. */
async function fill(u: ReturnType<typeof userEvent.setup>, field: HTMLElement, text: string) {
  await u.click(field);
  await u.paste(text);
}

const noSecretLeft = (...secrets: string[]) => {
  const stored = JSON.stringify({ ...localStorage, ...sessionStorage });
  for (const s of secrets) {
    expect(document.body.innerHTML).not.toContain(s);
    expect(stored).not.toContain(s);
  }
};

describe('SMART apps page', () => {
  it('registers a confidential app and shows the client id and the secret once, with copy buttons and a warning', async () => {
    const api = createFakeApi();
    const state = serve(api, 'developer');
    api.on('POST', '/v1/smart-apps', (req) => {
      const body = req.body as { name: string; launchUrl: string; redirectUris: string[]; scopes: string[]; confidential: boolean };
      const created = smartApp({ id: 'new', name: body.name, clientType: 'confidential-symmetric', confidential: true, hasSecret: true, redirectUris: body.redirectUris, scopes: body.scopes });
      state.apps.push(created);
      return json(201, { ...created, clientSecret: SECRET });
    });
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'No SMART apps yet' })).toBeInTheDocument();
    await u.click(screen.getByRole('button', { name: 'Register app' }));
    const dialog = await screen.findByRole('dialog', { name: 'Register a SMART app' });
    await fill(u, within(dialog).getByRole('textbox', { name: 'Name' }), 'Telehealth Visit');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Launch URL' }), 'https://tele.example.com/smart/launch');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Redirect URIs' }), 'https://tele.example.com/cb\n\nhttp://localhost:5173/cb');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Scopes' }), 'launch openid\npatient/*.read');
    await u.click(within(dialog).getByRole('switch', { name: /Confidential app/ }));
    expect(within(dialog).getByRole('radio', { name: /Client secret/ })).toBeChecked();
    await u.click(within(dialog).getByRole('button', { name: 'Register app' }));

    const shown = await screen.findByRole('dialog', { name: '“Telehealth Visit” is registered' });
    expect(within(shown).getByRole('textbox', { name: 'Client ID' })).toHaveValue('sbsa_Ab3dEf6hIj9kLm2nOp5q');
    expect(within(shown).getByRole('textbox', { name: 'Client secret' })).toHaveValue(SECRET);
    expect(within(shown).getByRole('button', { name: 'Copy client secret' })).toBeInTheDocument();
    expect(within(shown).getByRole('button', { name: 'Copy client ID' })).toBeInTheDocument();
    expect(shown).toHaveTextContent('Copy the client secret now: you will not see it again');
    expect(api.sent('POST', '/v1/smart-apps')[0]?.body).toEqual({
      name: 'Telehealth Visit',
      launchUrl: 'https://tele.example.com/smart/launch',
      redirectUris: ['https://tele.example.com/cb', 'http://localhost:5173/cb'],
      scopes: ['launch', 'openid', 'patient/*.read'],
      confidential: true,
    });
    expect(api.sent('POST', '/v1/smart-apps')[0]?.headers['x-csrf-token']).toBe('csrf-developer');

    await u.click(within(shown).getByRole('button', { name: 'I have stored it, close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const table = await screen.findByRole('table', { name: 'SMART apps' });
    expect(within(table).getByRole('rowheader', { name: 'Telehealth Visit' })).toBeInTheDocument();
    expect(within(table).getByText('Confidential, client secret')).toBeInTheDocument();
    noSecretLeft(SECRET);
  });

  it('sends a private key JWT app’s JWKS URL, and shows a public app’s client id without a secret', async () => {
    const api = createFakeApi();
    serve(api, 'admin');
    api.on('POST', '/v1/smart-apps', (req) => json(201, smartApp({ ...(req.body as object), clientType: 'confidential-asymmetric', confidential: true })));
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Register app' }));
    const dialog = await screen.findByRole('dialog', { name: 'Register a SMART app' });
    await fill(u, within(dialog).getByRole('textbox', { name: 'Name' }), 'Keys app');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Launch URL' }), 'https://keys.example.com/launch');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Redirect URIs' }), 'https://keys.example.com/cb');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Scopes' }), 'launch');
    await u.click(within(dialog).getByRole('switch', { name: /Confidential app/ }));
    await u.click(within(dialog).getByRole('radio', { name: /Private key JWT/ }));
    await fill(u, within(dialog).getByRole('textbox', { name: 'JWKS URL' }), 'https://keys.example.com/jwks.json');
    await u.click(within(dialog).getByRole('button', { name: 'Register app' }));

    const shown = await screen.findByRole('dialog', { name: '“Keys app” is registered' });
    expect(within(shown).getByRole('textbox', { name: 'Client ID' })).toBeInTheDocument();
    expect(within(shown).queryByRole('textbox', { name: 'Client secret' })).not.toBeInTheDocument();
    expect(api.sent('POST', '/v1/smart-apps')[0]?.body).toMatchObject({ confidential: true, jwksUrl: 'https://keys.example.com/jwks.json' });
  });

  it('asks for the required fields before sending, then shows the API’s 400 issues under the fields they name', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    api.on(
      'POST',
      '/v1/smart-apps',
      problem(400, 'validation_failed', 'Request validation failed', {
        issues: [
          { path: 'launchUrl', message: 'must not have a fragment (#…)' },
          { path: 'redirectUris.1', message: 'duplicate of redirectUris.0' },
          { path: 'scopes.1', message: 'not a SMART scope: "patient/Patient.fly"' },
        ],
      }),
    );
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Register app' }));
    const dialog = await screen.findByRole('dialog', { name: 'Register a SMART app' });
    await u.click(within(dialog).getByRole('button', { name: 'Register app' }));
    expect(within(dialog).getByRole('textbox', { name: 'Name' })).toHaveAccessibleDescription(/Enter the app’s name/);
    expect(within(dialog).getByRole('textbox', { name: 'Scopes' })).toHaveAccessibleDescription(/Enter at least one scope/);
    expect(api.sent('POST', '/v1/smart-apps')).toHaveLength(0);

    await fill(u, within(dialog).getByRole('textbox', { name: 'Name' }), 'Broken');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Launch URL' }), 'https://tele.example.com/launch#x');
    // A blank line first: the line numbers are the lines the person sees.
    await fill(u, within(dialog).getByRole('textbox', { name: 'Redirect URIs' }), '\nhttps://tele.example.com/cb\nhttps://tele.example.com/cb');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Scopes' }), 'launch patient/Patient.fly');
    await u.click(within(dialog).getByRole('button', { name: 'Register app' }));

    await waitFor(() => expect(within(dialog).getByRole('textbox', { name: 'Launch URL' })).toHaveAccessibleDescription(/must not have a fragment/));
    expect(within(dialog).getByRole('textbox', { name: 'Launch URL' })).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByRole('textbox', { name: 'Redirect URIs' })).toHaveAccessibleDescription(/Line 3: duplicate of line 2/);
    expect(within(dialog).getByRole('textbox', { name: 'Scopes' })).toHaveAccessibleDescription(/not a SMART scope: "patient\/Patient\.fly"/);
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Correct the fields marked in red');
    expect(screen.queryByRole('dialog', { name: /is registered/ })).not.toBeInTheDocument();

    // An edited field drops the API's message about it until the next submit; the others keep theirs.
    await fill(u, within(dialog).getByRole('textbox', { name: 'Launch URL' }), 'ed');
    expect(within(dialog).getByRole('textbox', { name: 'Launch URL' })).not.toHaveAccessibleDescription(/fragment/);
    expect(within(dialog).getByRole('textbox', { name: 'Scopes' })).toHaveAccessibleDescription(/not a SMART scope/);
  });

  it('shows an error that names no field with its code', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    api.on('POST', '/v1/smart-apps', problem(403, 'forbidden', 'Missing scope admin:oauth-clients'));
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();
    await u.click(await screen.findByRole('button', { name: 'Register app' }));
    const dialog = await screen.findByRole('dialog', { name: 'Register a SMART app' });
    await fill(u, within(dialog).getByRole('textbox', { name: 'Name' }), 'x');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Launch URL' }), 'https://x.example/l');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Redirect URIs' }), 'https://x.example/cb');
    await fill(u, within(dialog).getByRole('textbox', { name: 'Scopes' }), 'launch');
    await u.click(within(dialog).getByRole('button', { name: 'Register app' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Missing scope admin:oauth-clients');
    expect(within(alert).getByText('forbidden')).toBeInTheDocument();
  });

  it('lists apps with their client id, type, URLs and scopes, and edits one', async () => {
    const api = createFakeApi();
    const state = serve(api, 'developer', [
      smartApp(),
      smartApp({ id: 'conf', name: 'Care Notes', clientId: 'sbsa_ZZZZZZZZZZZZZZZZZZZZ', clientType: 'confidential-symmetric', confidential: true, hasSecret: true }),
      smartApp({ id: 'wide', name: 'Wide', clientId: 'sbsa_WWWWWWWWWWWWWWWWWWWW', scopes: Array.from({ length: 9 }, (_, i) => `patient/Type${String.fromCharCode(65 + i)}x.rs`) }),
    ]);
    api.on('PATCH', '/v1/smart-apps/:id', (req) => {
      const updated = { ...smartApp(), ...(req.body as object) };
      state.apps[0] = updated;
      return json(200, updated);
    });
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'SMART apps' });
    const [tele, care, wide] = within(table).getAllByRole('row').slice(1);
    expect(tele).toHaveTextContent('sbsa_Ab3dEf6hIj9kLm2nOp5q');
    expect(tele).toHaveTextContent('Public');
    expect(tele).toHaveTextContent('https://tele.example.com/smart/launch');
    expect(tele).toHaveTextContent('patient/Patient.rs');
    expect(tele).toHaveTextContent('patient/Observation.rs?category=laboratory');
    expect(care).not.toHaveTextContent('more');
    // A long list: the first six, and how many more.
    expect(wide).toHaveTextContent('patient/TypeFx.rs');
    expect(wide).not.toHaveTextContent('patient/TypeGx.rs');
    expect(wide).toHaveTextContent('+3 more');
    expect(care).toHaveTextContent('Confidential, client secret');
    // Only an app with a client secret has one to rotate.
    expect(within(table).queryByRole('button', { name: 'Rotate the secret of Telehealth Visit' })).not.toBeInTheDocument();
    expect(within(table).getByRole('button', { name: 'Rotate the secret of Care Notes' })).toBeInTheDocument();

    await u.click(within(table).getByRole('button', { name: 'Edit Telehealth Visit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Telehealth Visit' });
    expect(within(dialog).queryByRole('switch')).not.toBeInTheDocument();
    expect(dialog).toHaveTextContent('Client type: Public (fixed at registration)');
    const redirects = within(dialog).getByRole('textbox', { name: 'Redirect URIs' });
    expect(redirects).toHaveValue('https://tele.example.com/smart/callback');
    await fill(u, redirects, '\nhttps://tele.example.com/smart/callback2');
    await u.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.sent('PATCH', '/v1/smart-apps/5a1e0000-0000-4000-8000-000000000001')[0]?.body).toEqual({
      name: 'Telehealth Visit',
      launchUrl: 'https://tele.example.com/smart/launch',
      redirectUris: ['https://tele.example.com/smart/callback', 'https://tele.example.com/smart/callback2'],
      scopes: smartApp().scopes,
    });
    await waitFor(() => expect(within(table).getAllByRole('row')[1]).toHaveTextContent('2 redirect URIs'));
  });

  it('rotates a secret after a confirmation naming the app, and shows the new one once', async () => {
    const api = createFakeApi();
    const conf = smartApp({ id: 'conf', name: 'Care Notes', clientId: 'sbsa_ZZZZZZZZZZZZZZZZZZZZ', clientType: 'confidential-symmetric', confidential: true, hasSecret: true });
    serve(api, 'developer', [conf]);
    api.on('POST', '/v1/smart-apps/:id/secret', () => json(200, { ...conf, clientSecret: ROTATED }));
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'Rotate the secret of Care Notes' }));
    const confirm = await screen.findByRole('dialog', { name: 'Rotate the secret of Care Notes?' });
    expect(confirm).toHaveTextContent('The current secret stops working at once');
    await u.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(api.sent('POST', '/v1/smart-apps/conf/secret')).toHaveLength(0);

    await u.click(screen.getByRole('button', { name: 'Rotate the secret of Care Notes' }));
    await u.click(within(await screen.findByRole('dialog', { name: 'Rotate the secret of Care Notes?' })).getByRole('button', { name: 'Rotate secret' }));
    const shown = await screen.findByRole('dialog', { name: 'New client secret for “Care Notes”' });
    expect(within(shown).getByRole('textbox', { name: 'Client secret' })).toHaveValue(ROTATED);
    expect(shown).toHaveTextContent('you will not see it again');
    expect(shown).toHaveTextContent('The previous secret has stopped working');
    await u.click(within(shown).getByRole('button', { name: 'I have stored it, close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    noSecretLeft(ROTATED);
  });

  it('deletes an app after a confirmation naming it and its client id', async () => {
    const api = createFakeApi();
    const state = serve(api, 'admin', [smartApp()]);
    api.on('DELETE', '/v1/smart-apps/:id', () => {
      state.apps = [];
      return { status: 204 };
    });
    renderConsole('/smart-apps', api);
    const u = userEvent.setup();

    await u.click(await screen.findByRole('button', { name: 'Delete Telehealth Visit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Telehealth Visit?' });
    expect(dialog).toHaveTextContent('its client ID sbsa_Ab3dEf6hIj9kLm2nOp5q stops working at once');
    await u.click(within(dialog).getByRole('button', { name: 'Delete Telehealth Visit' }));
    await waitFor(() => expect(api.sent('DELETE', '/v1/smart-apps/5a1e0000-0000-4000-8000-000000000001')).toHaveLength(1));
    expect(await screen.findByRole('heading', { name: 'No SMART apps yet' })).toBeInTheDocument();
  });

  it('shows the API’s error when the list fails, with a retry', async () => {
    const api = createFakeApi();
    serve(api, 'developer');
    api.on('GET', '/v1/smart-apps', problem(503, 'dependency_unavailable', 'Database unavailable'));
    renderConsole('/smart-apps', api);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load SMART apps');
    expect(within(alert).getByText('dependency_unavailable')).toBeInTheDocument();
    api.on('GET', '/v1/smart-apps', json(200, { items: [smartApp()] }));
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('table', { name: 'SMART apps' })).toBeInTheDocument();
  });

  it('is in the navigation of roles that manage OAuth clients only', async () => {
    for (const role of ['owner', 'admin', 'developer'] as const) {
      const api = createFakeApi();
      serve(api, role);
      const { unmount } = renderConsole('/smart-apps', api);
      expect(await within(await screen.findByRole('navigation', { name: 'Main' })).findByRole('link', { name: 'SMART apps' })).toBeInTheDocument();
      unmount();
    }
    for (const role of ['finance', 'viewer'] as const) {
      const api = createFakeApi();
      serve(api, role);
      const { unmount } = renderConsole('/smart-apps', api);
      expect(await screen.findByRole('alert')).toHaveTextContent('Not available to your role');
      expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'SMART apps' })).not.toBeInTheDocument();
      expect(api.sent('GET', '/v1/smart-apps')).toHaveLength(0);
      unmount();
    }
  });
});
