import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, json, problem, sessionFor } from '../test/fake-api';
import { renderConsole } from '../test/render';

async function signIn(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login page', () => {
  it('shows the API’s message and code when the password is wrong, and stays on the page', async () => {
    const api = createFakeApi();
    api.on('POST', '/v1/console/session', problem(401, 'invalid_credentials', 'Email or password is wrong'));
    renderConsole('/login', api);

    await signIn('owner@mercy.example', 'not-the-password');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Email or password is wrong');
    expect(within(alert).getByText('invalid_credentials')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(api.sent('POST', '/v1/console/session')[0]?.body).toEqual({ email: 'owner@mercy.example', password: 'not-the-password' });
  });

  it('says when to try again after too many attempts', async () => {
    const api = createFakeApi();
    api.on('POST', '/v1/console/session', problem(429, 'too_many_attempts', 'Too many sign-in attempts', {}, { 'retry-after': '60' }));
    renderConsole('/login', api);

    await signIn('owner@mercy.example', 'guess-guess-guess');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('too_many_attempts');
    expect(alert).toHaveTextContent('Try again in 60 seconds.');
  });

  it('lands an owner on Connections after signing in', async () => {
    const api = createFakeApi();
    api.on('POST', '/v1/console/session', json(200, sessionFor('owner')));
    api.on('GET', '/v1/connections', json(200, { items: [] }));
    renderConsole('/login', api);

    await signIn('owner@mercy.example', 'correct horse battery');

    expect(await screen.findByRole('heading', { name: 'Connections' })).toBeInTheDocument();
    expect(screen.getByText('owner@mercy.example')).toBeInTheDocument();
  });

  it('lands a finance user on Usage', async () => {
    const api = createFakeApi();
    api.on('POST', '/v1/console/session', json(200, sessionFor('finance')));
    api.on('GET', '/v1/usage/totals', json(200, { items: [] }));
    renderConsole('/login', api);

    await signIn('finance@mercy.example', 'correct horse battery');

    expect(await screen.findByRole('heading', { name: 'Usage' })).toBeInTheDocument();
    expect(api.sent('GET', '/v1/connections')).toHaveLength(0);
  });

  it('sends a signed-out visitor (401 from /me) to the login page', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', problem(401, 'unauthenticated', 'Sign in first'));
    const { router } = renderConsole('/connections', api);

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(api.sent('GET', '/v1/connections')).toHaveLength(0);
  });

  it('signs out: DELETE with the CSRF token from /me, then back to the login page', async () => {
    const api = createFakeApi();
    api.on('GET', '/v1/console/me', json(200, sessionFor('viewer')));
    api.on('GET', '/v1/connections', json(200, { items: [] }));
    api.on('DELETE', '/v1/console/session', json(204));
    renderConsole('/connections', api);

    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(api.sent('DELETE', '/v1/console/session')[0]?.headers['x-csrf-token']).toBe('csrf-viewer');
  });
});
