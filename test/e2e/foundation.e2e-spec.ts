/**
 * The foundation end to end: the built api and worker as real processes on the
 * run's database and a private Redis prefix, exporting spans to a local OTLP sink.
 * Afterwards every log line and exported span is scanned for PHI and secrets.
 */
import { findLeaks, startE2eStack, type E2eStack } from '@sb/testing';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';

/** A synthetic patient name that must never appear in logs or spans. */
const PATIENT_NAME = 'Quillon Vexmorrow';
const PATIENT_BIRTHDATE = '1961-07-23';

let stack: E2eStack;
let ADMIN_TOKEN: string;
let base: string;
const call: E2eStack['call'] = (...args) => stack.call(...args);

const gql = (token: string, query: string) => call('POST', '/graphql', token, { query });

async function newTenant(slug: string) {
  const created = await call('POST', '/v1/tenants', ADMIN_TOKEN, { name: `Tenant ${slug}`, slug });
  expect(created.status).toBe(201);
  const key = await call('POST', `/v1/tenants/${created.body.id}/api-keys`, ADMIN_TOKEN, { name: 'e2e' });
  expect(key.status).toBe(201);
  stack.secrets.push(key.body.key);
  const connections = await call('GET', '/v1/connections', key.body.key);
  return { id: created.body.id as string, key: key.body.key as string, keyId: key.body.id as string, echoId: connections.body.items[0].id as string };
}

beforeAll(async () => {
  stack = await startE2eStack('foundation-e2e');
  ADMIN_TOKEN = stack.adminToken;
  base = stack.base;
}, 90_000);

afterAll(() => stack?.close());

describe('operator → tenant → key → GraphQL → echo, metered and audited', () => {
  let a: Awaited<ReturnType<typeof newTenant>>;
  let b: Awaited<ReturnType<typeof newTenant>>;

  beforeAll(async () => {
    a = await newTenant(`e2e-a-${randomUUID().slice(0, 6)}`);
    b = await newTenant(`e2e-b-${randomUUID().slice(0, 6)}`);
  });

  it('serves health, the OpenAPI document and its docs page', async () => {
    expect((await call('GET', '/health')).body).toMatchObject({ status: 'ok', db: 'up', redis: 'up' });
    const openapi = await call('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/tenants/{id}/api-keys', '/oauth/token']));
    expect((await call('GET', '/docs')).status).toBe(200);
  });

  it('answers the viewer query for a tenant API key', async () => {
    const res = await gql(a.key, '{ viewer { actorType scopes tenant { id slug } } }');
    expect(res.body.data.viewer).toMatchObject({ actorType: 'api-key', tenant: { id: a.id } });
    expect(res.body.data.viewer.scopes).toContain('system/*.cruds');
  });

  it('meters and audits an echo carrying patient data, exactly once', async () => {
    const echo = await call('POST', `/v1/connections/${a.echoId}/echo`, a.key, {
      message: `${PATIENT_NAME} born ${PATIENT_BIRTHDATE}`,
      patientRef: 'Patient/e2e-1',
    });
    expect(echo.status).toBe(200);
    expect(echo.body.echo.parameter[0].valueString).toContain(PATIENT_NAME);

    const usage = await call('GET', '/v1/usage/events', a.key);
    expect(usage.body.items.filter((e: any) => e.transactionId === echo.body.transactionId)).toHaveLength(1);
    const audit = await call('GET', '/v1/audit-records', a.key);
    const records = audit.body.items.filter((r: any) => r.transactionId === echo.body.transactionId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ patientRef: 'Patient/e2e-1', operation: 'echo' });
    expect((await call('GET', '/v1/audit-records/verify', a.key)).body).toMatchObject({ ok: true });
    // Another tenant's usage never shows it.
    expect(JSON.stringify((await call('GET', '/v1/usage/events', b.key)).body)).not.toContain(echo.body.transactionId);
  });

  it('round-trips a job through Redis and the worker', async () => {
    // The stack waits for the api only: on a loaded machine the worker may still be booting when this runs
    // (the api then answers 503 after 10 s), so the ping is asked again until the worker is up.
    let ping = await call('POST', '/v1/diagnostics/worker-ping', ADMIN_TOKEN);
    for (let i = 0; i < 3 && ping.status === 503; i++) ping = await call('POST', '/v1/diagnostics/worker-ping', ADMIN_TOKEN);
    expect(ping.status).toBe(200);
    expect(ping.body.result).toMatchObject({ pong: true });
  }, 60_000);

  describe('bad input', () => {
    it('401 for unknown, revoked and expired keys', async () => {
      expect((await call('GET', '/v1/api-keys', 'sbk_AAAAAAAA_' + 'A'.repeat(43))).status).toBe(401);
      expect((await call('GET', '/v1/api-keys')).status).toBe(401);
      const made = await call('POST', `/v1/tenants/${a.id}/api-keys`, a.key, { name: 'to revoke' });
      stack.secrets.push(made.body.key);
      expect((await call('DELETE', `/v1/api-keys/${made.body.id}`, a.key)).body.revokedAt).not.toBeNull();
      const revoked = await call('GET', '/v1/api-keys', made.body.key);
      expect(revoked.status).toBe(401);
      expect(revoked.headers.get('content-type')).toContain('application/problem+json');
      expect(revoked.body).toMatchObject({ status: 401, code: 'unauthenticated' });
    });

    it('403 for a valid key without the scope', async () => {
      const narrow = await call('POST', `/v1/tenants/${a.id}/api-keys`, ADMIN_TOKEN, { name: 'narrow', scopes: ['system/Patient.rs'] });
      stack.secrets.push(narrow.body.key);
      const res = await call('GET', '/v1/api-keys', narrow.body.key);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'forbidden', requiredScope: 'admin:api-keys' });
      expect((await call('POST', `/v1/connections/${a.echoId}/echo`, narrow.body.key, { message: 'x' })).status).toBe(403);
      expect((await call('POST', '/v1/tenants', narrow.body.key, { name: 'x', slug: 'x-forbidden' })).status).toBe(403);
    });

    it('400 problem+json for malformed JSON and invalid fields', async () => {
      const malformed = await call('POST', '/v1/tenants', ADMIN_TOKEN, '{"name": "x",', { 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ code: 'malformed_json' });
      const invalid = await call('POST', '/v1/tenants', ADMIN_TOKEN, { name: '', slug: 'Not A Slug' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.issues.map((i: any) => i.path).sort()).toEqual(['name', 'slug']);
      const duplicate = await call('POST', '/v1/tenants', ADMIN_TOKEN, { name: 'dup', slug: (await call('GET', `/v1/tenants/${a.id}`, a.key)).body.slug });
      expect(duplicate.status).toBe(409);
    });
  });

  describe("cross-tenant: tenant B asking for tenant A's resources gets 404", () => {
    it.each([
      ['GET', () => `/v1/tenants/${a.id}`],
      ['PATCH', () => `/v1/tenants/${a.id}`],
      ['POST', () => `/v1/tenants/${a.id}/api-keys`],
      ['DELETE', () => `/v1/api-keys/${a.keyId}`],
      ['GET', () => `/v1/connections/${a.echoId}`],
      ['POST', () => `/v1/connections/${a.echoId}/echo`],
    ])('%s %s', async (method, path) => {
      const body = method === 'PATCH' ? { name: 'hijacked' } : method === 'POST' ? (path().endsWith('echo') ? { message: 'x' } : { name: 'x' }) : undefined;
      const res = await call(method, path(), b.key, body);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(a.id);
    });

    it("for OAuth clients too", async () => {
      const client = await call('POST', '/v1/oauth-clients', a.key, { name: 'a-client', authMethod: 'client_secret' });
      stack.secrets.push(client.body.clientSecret);
      expect((await call('DELETE', `/v1/oauth-clients/${client.body.id}`, b.key)).status).toBe(404);
      expect(JSON.stringify((await call('GET', '/v1/oauth-clients', b.key)).body)).not.toContain(client.body.id);
      expect((await call('GET', '/v1/api-keys', b.key)).body.items.map((k: any) => k.id)).not.toContain(a.keyId);
    });
  });

  describe('OAuth 2.0 client credentials', () => {
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    it('issues tokens with client_secret_post and client_secret_basic, narrowed by scope', async () => {
      const client = await call('POST', '/v1/oauth-clients', a.key, { name: 'secret-client', authMethod: 'client_secret', scopes: ['system/*.rs', 'admin:connections'] });
      expect(client.status).toBe(201);
      stack.secrets.push(client.body.clientSecret);
      const post = await form({ grant_type: 'client_credentials', client_id: client.body.clientId, client_secret: client.body.clientSecret, scope: 'admin:connections' });
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({ token_type: 'Bearer', scope: 'admin:connections' });
      stack.secrets.push(post.body.access_token);
      expect((await call('GET', '/v1/connections', post.body.access_token)).status).toBe(200);
      expect((await call('GET', '/v1/api-keys', post.body.access_token)).status).toBe(403);

      const basic = Buffer.from(`${client.body.clientId}:${client.body.clientSecret}`).toString('base64');
      const viaBasic = await form({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
      expect(viaBasic.status).toBe(200);
      stack.secrets.push(viaBasic.body.access_token);
      const viewer = await gql(viaBasic.body.access_token, '{ viewer { actorType tenant { id } } }');
      expect(viewer.body.data.viewer).toEqual({ actorType: 'oauth-client', tenant: { id: a.id } });

      expect((await form({ grant_type: 'client_credentials', client_id: client.body.clientId, client_secret: 'wrong' })).status).toBe(401);
      expect((await form({ grant_type: 'client_credentials', client_id: client.body.clientId, client_secret: client.body.clientSecret, scope: 'system/*.cruds' })).body.error).toBe('invalid_scope');
      expect((await form({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');

      // Revoking the client ends its tokens at once.
      await call('DELETE', `/v1/oauth-clients/${client.body.id}`, a.key);
      expect((await call('GET', '/v1/connections', post.body.access_token)).status).toBe(401);
    });

    describe('private_key_jwt (SMART Backend Services)', () => {
      let clientId: string;
      let key: CryptoKey;
      const assertion = (claims: Record<string, unknown> = {}, alg = 'ES384', signingKey = key) =>
        new SignJWT({ iss: clientId, sub: clientId, aud: `${base}/oauth/token`, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID(), ...claims })
          .setProtectedHeader({ alg, kid: 'e2e' })
          .sign(signingKey);
      const exchange = (jwt: string) =>
        form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });

      beforeAll(async () => {
        const pair = await generateKeyPair('ES384');
        key = pair.privateKey;
        const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'e2e', alg: 'ES384' };
        const client = await call('POST', '/v1/oauth-clients', a.key, { name: 'jwt-client', authMethod: 'private_key_jwt', jwks: { keys: [jwk] } });
        expect(client.status).toBe(201);
        expect(client.body.clientSecret).toBeUndefined();
        clientId = client.body.clientId;
      });

      it('issues a token whose signature verifies against /.well-known/jwks.json', async () => {
        const res = await exchange(await assertion());
        expect(res.status).toBe(200);
        stack.secrets.push(res.body.access_token);
        const jwks = await call('GET', '/.well-known/jwks.json');
        const kid = JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url').toString()).kid;
        expect(jwks.body.keys.map((k: any) => k.kid)).toContain(kid);
        expect(jwks.body.keys.every((k: any) => k.d === undefined)).toBe(true);
      });

      it('refuses a reused jti, exp too far ahead, the wrong aud and the wrong alg with 401 invalid_client', async () => {
        const once = await assertion();
        expect((await exchange(once)).status).toBe(200);
        const reused = await exchange(once);
        expect(reused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        expect(await exchange(await assertion({ exp: Math.floor(Date.now() / 1000) + 3600 }))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        expect(await exchange(await assertion({ aud: 'https://someone-else.example/token' }))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        const rs256 = (await generateKeyPair('RS256')).privateKey;
        expect(await exchange(await assertion({}, 'RS256', rs256))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      });
    });
  });
});

describe('no PHI or secret in what the run emitted', () => {
  it('finds none in logs or exported spans', async () => {
    const emitted = await stack.stopAndCollect();
    expect(emitted.logs.length).toBeGreaterThan(0);
    // The scan only means something if the echo's spans were exported.
    expect(emitted.spans).toContain('sb.transaction echo');
    expect(findLeaks(emitted, [PATIENT_NAME, 'Vexmorrow', PATIENT_BIRTHDATE, ...stack.secrets])).toEqual([]);
  });
});
