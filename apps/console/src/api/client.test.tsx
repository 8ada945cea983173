import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createFakeApi, json, problem } from '../test/fake-api';
import { ApiError, api, setCsrfLoader, setCsrfToken } from './client';
import { graphql } from './graphql';
import type { Connection, ResponseOf } from './types';

describe('api client', () => {
  afterEach(() => setCsrfToken(null));

  it('turns problem+json into an ApiError with status, code, message and issues', async () => {
    const fake = createFakeApi();
    fake.on('POST', '/v1/connections', problem(400, 'validation_failed', 'Request validation failed', { issues: [{ path: 'name', message: 'Required' }] }));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken('t');

    const error = await api.post('/v1/connections', { body: { vendor: 'fhir', name: '', environment: 'sandbox' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Request validation failed', issues: [{ path: 'name', message: 'Required' }] });
  });

  it('reads the FHIR routes’ OperationOutcome errors: our code, the message, field issues and Retry-After', async () => {
    const fake = createFakeApi();
    const details = { coding: [{ system: 'urn:switchboard:error', code: 'validation_failed' }], text: 'Invalid Bulk Data kick-off' };
    fake.on('GET', '/fhir/r4/c-1/$export', json(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details, diagnostics: 'must include respond-async', expression: ['Prefer'] }] }, { 'content-type': 'application/fhir+json' }));
    fake.on('GET', '/fhir/r4/c-2/$export', json(429, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', details: { ...details, coding: [{ system: 'urn:switchboard:error', code: 'rate_limited' }], text: 'An export is already running on this connection' } }] }, { 'content-type': 'application/fhir+json', 'retry-after': '60' }));
    vi.stubGlobal('fetch', fake.fetch);

    await expect(api.exchange('/fhir/r4/{connectionId}/$export', { params: { connectionId: 'c-1' } })).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'Invalid Bulk Data kick-off',
      issues: [{ path: 'Prefer', message: 'must include respond-async' }],
    });
    await expect(api.exchange('/fhir/r4/{connectionId}/$export', { params: { connectionId: 'c-2' } })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'An export is already running on this connection',
      retryAfterSeconds: 60,
    });
  });

  it('answers an exchange with its status and headers, with FHIR query parameters and request headers as given', async () => {
    const fake = createFakeApi();
    fake.on('GET', '/fhir/r4/c-1/$export-status/e-1', { status: 202, headers: { 'x-progress': '40% complete', 'retry-after': '2' } });
    fake.on('GET', '/fhir/r4/c-1/$export', json(202, { resourceType: 'OperationOutcome', issue: [] }, { 'content-location': 'http://x/fhir/r4/c-1/$export-status/e-1' }));
    vi.stubGlobal('fetch', fake.fetch);

    const running = await api.exchange('/fhir/r4/{connectionId}/$export-status/{exportId}', { params: { connectionId: 'c-1', exportId: 'e-1' } });
    expect(running.status).toBe(202);
    expect(running.body).toBeUndefined();
    expect(running.headers.get('x-progress')).toBe('40% complete');
    const kickOff = await api.exchange('/fhir/r4/{connectionId}/$export', { params: { connectionId: 'c-1' }, query: { _type: 'Patient,Observation', _since: undefined }, headers: { prefer: 'respond-async' } });
    expect(kickOff.headers.get('content-location')).toBe('http://x/fhir/r4/c-1/$export-status/e-1');
    expect(fake.requests[1]?.path).toBe('/fhir/r4/c-1/$export?_type=Patient%2CObservation');
    expect(fake.requests[1]?.headers.prefer).toBe('respond-async');
  });

  it('sends the CSRF token on writes only, fetching it from /me when none is in memory yet', async () => {
    const fake = createFakeApi();
    fake.on('GET', '/v1/webhook-endpoints/w%2F1', json(200, { id: 'w/1' }));
    fake.on('DELETE', '/v1/webhook-endpoints/w%2F1', json(204));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken(null);
    setCsrfLoader(() => Promise.resolve('from-me'));

    await api.get('/v1/webhook-endpoints/{id}', { params: { id: 'w/1' } });
    await api.delete('/v1/webhook-endpoints/{id}', { params: { id: 'w/1' } });

    expect(fake.sent('GET', '/v1/webhook-endpoints/w%2F1')[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(fake.sent('DELETE', '/v1/webhook-endpoints/w%2F1')[0]?.headers['x-csrf-token']).toBe('from-me');
  });

  it('re-reads the CSRF token from /me once when the api answers csrf_failed', async () => {
    const fake = createFakeApi();
    fake.on('POST', '/v1/webhook-endpoints/w-1/test', (req) => (req.headers['x-csrf-token'] === 'fresh' ? json(200, { ok: true }) : problem(403, 'csrf_failed', 'Missing or wrong CSRF token')));
    vi.stubGlobal('fetch', fake.fetch);
    setCsrfToken('stale');
    setCsrfLoader(() => Promise.resolve('fresh'));

    await expect(api.post('/v1/webhook-endpoints/{id}/test', { params: { id: 'w-1' } })).resolves.toEqual({ ok: true });
    expect(fake.sent('POST', '/v1/webhook-endpoints/w-1/test').map((r) => r.headers['x-csrf-token'])).toEqual(['stale', 'fresh']);
  });

  it('fills path parameters in, each encoded as one segment, and sends the query', async () => {
    const fake = createFakeApi();
    fake.on('GET', '/v1/connections/:id/hl7/messages', json(200, { items: [], next: null }));
    vi.stubGlobal('fetch', fake.fetch);

    await api.get('/v1/connections/{id}/hl7/messages', { params: { id: 'a b/c' }, query: { controlId: 'MSG 1', limit: 5 } });
    expect(fake.requests[0]?.path).toBe('/v1/connections/a%20b%2Fc/hl7/messages?controlId=MSG+1&limit=5');
  });

  it('is typed by the OpenAPI document: unknown paths, missing parameters and wrong bodies do not compile (checked by tsc)', () => {
    const typeChecks = () => {
      expectTypeOf(api.get('/v1/connections/{id}', { params: { id: 'c-1' } })).resolves.toEqualTypeOf<Connection>();
      expectTypeOf(api.delete('/v1/console/session')).resolves.toEqualTypeOf<undefined>();
      expectTypeOf<ResponseOf<'/v1/connections/{id}/keys', 'post'>['status']>().toEqualTypeOf<'active' | 'retiring' | 'retired'>();
      // @ts-expect-error not a path of the api
      void api.get('/v1/no-such-route');
      // @ts-expect-error {id} needs its parameter
      void api.get('/v1/connections/{id}');
      // @ts-expect-error not an algorithm the route accepts
      void api.post('/v1/connections/{id}/keys', { params: { id: 'c-1' }, body: { alg: 'HS256' } });
      // @ts-expect-error the route takes no PUT
      void api.put('/v1/connections/{id}', { params: { id: 'c-1' }, body: {} });
    };
    expect(typeChecks).toBeTypeOf('function');
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
