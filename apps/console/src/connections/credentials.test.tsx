import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { connection, createFakeApi, json, secretSummary, serveConnectionDetail, sessionFor } from '../test/fake-api';
import type { SigningKey } from './queries';
import { renderConsole } from '../test/render';

describe('connection credentials', () => {
  it('generates a signing key and shows the JWKS URL to register, with a copy button', async () => {
    const api = createFakeApi();
    const c = connection({ id: 'c-epic' });
    let keys: SigningKey[] = [];
    api.on('GET', '/v1/console/me', json(200, sessionFor('admin')));
    serveConnectionDetail(api, () => ({ connection: c, keys }));
    api.on('POST', '/v1/connections/c-epic/keys', (req) => {
      const key: SigningKey = {
        kid: 'kid-1',
        alg: (req.body as { alg: string }).alg,
        status: 'active',
        createdAt: '2026-12-02T10:00:00.000Z',
        retiredAt: null,
        jwksUrl: 'https://switchboard.example/.well-known/jwks/c-epic.json',
      };
      keys = [key];
      return json(201, { ...key, publicJwk: { kty: 'RSA' } });
    });
    renderConsole('/connections/c-epic', api);
    const user = userEvent.setup();

    expect(await screen.findByText(/No signing key yet/)).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'JWKS URL' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Generate key' }));

    expect(await screen.findByRole('textbox', { name: 'JWKS URL' })).toHaveValue('https://switchboard.example/.well-known/jwks/c-epic.json');
    expect(screen.getByRole('button', { name: 'Copy JWKS URL' })).toBeInTheDocument();
    expect(screen.getByText('Paste this URL into the JWK Set URL of your app registration at the hospital.')).toBeInTheDocument();
    expect(within(screen.getByRole('table', { name: 'Signing keys' })).getByText('kid-1')).toBeInTheDocument();
    expect(api.sent('POST', '/v1/connections/c-epic/keys')[0]?.body).toEqual({ alg: 'RS384' });
  });

  it('shows the client secret as metadata only, and Rotate reopens the field', async () => {
    const api = createFakeApi();
    let version = 2;
    api.on('GET', '/v1/console/me', json(200, sessionFor('developer')));
    serveConnectionDetail(api, () => ({
      connection: connection({ id: 'c-ora', vendor: 'oracle', clientSecretName: 'client_secret', authAlg: null }),
      secrets: [secretSummary({ version, createdAt: new Date(Date.now() - 5 * 60_000).toISOString() })],
    }));
    api.on('PUT', '/v1/connections/c-ora/secrets/client_secret', () => {
      version = 3;
      return json(200, {});
    });
    renderConsole('/connections/c-ora', api);
    const user = userEvent.setup();

    expect(await screen.findByText('Client secret: set · version 2 · updated 5 minutes ago')).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Client secret/, { selector: 'input' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Rotate' }));
    await user.type(screen.getByLabelText(/^Client secret/, { selector: 'input' }), 'the-new-secret');
    await user.click(screen.getByRole('button', { name: 'Save secret' }));

    expect(await screen.findByText(/Client secret: set · version 3/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Client secret/, { selector: 'input' })).not.toBeInTheDocument();
    expect(api.sent('PUT', '/v1/connections/c-ora/secrets/client_secret')[0]?.body).toEqual({ value: 'the-new-secret' });
    expect(document.body.textContent).not.toContain('the-new-secret');
  });
});
