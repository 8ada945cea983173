import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeApi, json, problem } from '../test/fake-api';
import { ApiError, api, setCsrfLoader, setCsrfToken } from './client';
import { graphql } from './graphql';

describe('api client', () => {
  afterEach(() => setCsrfToken(null));

  it('turns problem+json into an ApiError with status, code, message and issues', async () => {
    const fake = createFakeApi();
    fake.on('POST', '/v1/connections', problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'name', message: 'Required' }] }));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken('t');

    const error = await api.post('/v1/connections', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Request validation failed', issues: [{ path: 'name', message: 'Required' }] });
  });

  it('sends the CSRF token on writes only, fetching it from /me when none is in memory yet', async () => {
    const fake = createFakeApi();
    fake.on('GET', '/v1/thing', json(200, { ok: true }));
    fake.on('DELETE', '/v1/thing', json(204));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken(null);
    setCsrfLoader(() => Promise.resolve('from-me'));

    await api.get('/v1/thing');
    await api.delete('/v1/thing');

    expect(fake.sent('GET', '/v1/thing')[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(fake.sent('DELETE', '/v1/thing')[0]?.headers['x-csrf-token']).toBe('from-me');
  });

  it('re-reads the CSRF token from /me once when the api answers csrf_failed', async () => {
    const fake = createFakeApi();
    fake.on('POST', '/v1/thing', (req) => (req.headers['x-csrf-token'] === 'fresh' ? json(200, { ok: true }) : problem(403, 'csrf_failed', 'Missing or wrong CSRF token')));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken('stale');
    setCsrfLoader(() => Promise.resolve('fresh'));

    await expect(api.post('/v1/thing', {})).resolves.toEqual({ ok: true });
    expect(fake.sent('POST', '/v1/thing').map((r) => r.headers['x-csrf-token'])).toEqual(['stale', 'fresh']);
  });

  it('reports an unreachable server as network_error', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(api.get('/v1/connections')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('posts GraphQL as application/json and surfaces the first error’s code', async () => {
    const fake = createFakeApi();
    fake.on('POST', '/graphql', json(200, { data: null, errors: [{ message: 'Not allowed', extensions: { code: 'FORBIDDEN' } }] }));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken('t');

    await expect(graphql('query { viewer { actorType } }')).rejects.toMatchObject({ code: 'forbidden', message: 'Not allowed' });
    const sent = fake.sent('POST', '/graphql')[0];
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.body).toEqual({ query: 'query { viewer { actorType } }', variables: {} });
  });
});
