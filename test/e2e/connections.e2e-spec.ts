/**
 * Connections and the vault end to end, on the built api and worker: create a
 * connection, generate and publish its key, prove it against a live SMART server,
 * store secrets that never come back out, and check every endpoint's tenant
 * isolation. Afterwards the run's logs and spans are scanned for every secret.
 */
import { findLeaks, startE2eStack, startFakeFhirServer, type E2eStack, type E2eTenant, type FakeFhirServer } from '@sb/testing';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

const SECRET_VALUE = `client-secret-${randomUUID()}`;
const IMPORTED = generateKeyPairSync('rsa', { modulusLength: 2048 });
const IMPORTED_PEM = IMPORTED.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PEM_BODY_SAMPLE = IMPORTED_PEM.split('\n')[5] ?? '';

let stack: E2eStack;
let fhir: FakeFhirServer;


beforeAll(async () => {
  stack = await startE2eStack('connections-e2e');
  fhir = await startFakeFhirServer();
}, 90_000);

afterAll(async () => {
  await fhir?.close();
  await stack?.close();
});

describe('connections and the vault', () => {
  let a: E2eTenant;
  let b: E2eTenant;
  let connectionId: string;
  let firstKid: string;

  beforeAll(async () => {
    a = await stack.newTenant(`conn-a-${randomUUID().slice(0, 6)}`);
    b = await stack.newTenant(`conn-b-${randomUUID().slice(0, 6)}`);
  });

  it('creates an Epic connection in draft and discovers its token URL', async () => {
    const res = await stack.call('POST', '/v1/connections', a.key, {
      name: 'General Hospital',
      vendor: 'epic',
      environment: 'sandbox',
      fhirBaseUrl: fhir.baseUrl,
      clientId: 'e2e-client',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ vendor: 'epic', environment: 'sandbox', status: 'draft', tokenUrl: fhir.tokenUrl, authAlg: 'RS384' });
    connectionId = res.body.id;
    const listed = await stack.call('GET', '/v1/connections', a.key);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(connectionId);
    expect((await stack.call('GET', `/v1/connections/${connectionId}`, a.key)).body.id).toBe(connectionId);
  });

  it('generates a key pair and publishes it at the connection JWKS URL, without auth', async () => {
    const key = await stack.call('POST', `/v1/connections/${connectionId}/keys`, a.key, { alg: 'RS384' });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ alg: 'RS384', status: 'active', jwksUrl: `${stack.base}/.well-known/jwks/${connectionId}.json` });
    firstKid = key.body.kid;
    const jwks = await stack.call('GET', `/.well-known/jwks/${connectionId}.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kid: firstKid, kty: 'RSA', alg: 'RS384', use: 'sig' })]);
    expect(jwks.body.keys[0].d).toBeUndefined();
    expect((await stack.call('GET', `/.well-known/jwks/${randomUUID()}.json`)).status).toBe(404);
  });

  it('passes a live test against a SMART server that verifies the assertion through the JWKS URL, then goes live', async () => {
    fhir.registerClient('e2e-client', `${stack.base}/.well-known/jwks/${connectionId}.json`);
    expect((await stack.call('POST', `/v1/connections/${connectionId}/status`, a.key, { status: 'live' })).status).toBe(409);
    const report = await stack.call('POST', `/v1/connections/${connectionId}/test`, a.key);
    expect(report.status).toBe(200);
    expect(report.body.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['smart-configuration', 'passed'],
      ['smart-launch', 'skipped'],
      ['capability-statement', 'passed'],
      ['access-token', 'passed'],
    ]);
    expect(report.body.ok).toBe(true);
    expect(fhir.tokensIssued()).toBe(1);
    expect((await stack.call('POST', `/v1/connections/${connectionId}/status`, a.key, { status: 'testing' })).body.status).toBe('testing');
    const live = await stack.call('POST', `/v1/connections/${connectionId}/status`, a.key, { status: 'live' });
    expect(live.body).toMatchObject({ status: 'live', health: { lastErrorCode: null } });
    expect(live.body.health.tokenExpiresAt).not.toBeNull();
  });

  it('reports a failing step readably when the hospital does not know the client', async () => {
    const other = await stack.call('POST', '/v1/connections', a.key, { name: 'Unregistered', vendor: 'fhir', environment: 'sandbox', fhirBaseUrl: fhir.baseUrl, clientId: 'unknown-client' });
    await stack.call('POST', `/v1/connections/${other.body.id}/keys`, a.key, { alg: 'ES384' });
    const report = await stack.call('POST', `/v1/connections/${other.body.id}/test`, a.key);
    expect(report.body.ok).toBe(false);
    expect(report.body.steps.at(-1)).toMatchObject({ name: 'access-token', status: 'failed', code: 'invalid_client', hint: expect.stringContaining('JWKS URL') });
    expect((await stack.call('GET', `/v1/connections/${other.body.id}`, a.key)).body.health.lastErrorCode).toBe('invalid_client');
  });

  it('tests an Oracle-style system account with its vaulted client secret', async () => {
    const oracle = await stack.call('POST', '/v1/connections', a.key, { name: 'Oracle site', vendor: 'oracle', environment: 'sandbox', fhirBaseUrl: fhir.baseUrl, clientId: 'oracle-account', scopes: ['system/Patient.read'] });
    expect(oracle.body.clientSecretName).toBe('client_secret');
    const missing = await stack.call('POST', `/v1/connections/${oracle.body.id}/test`, a.key);
    expect(missing.body.steps.at(-1)).toMatchObject({ name: 'access-token', status: 'failed', code: 'missing_client_secret' });
    const secret = `oracle-secret-${randomUUID()}`;
    stack.secrets.push(secret);
    fhir.registerSecretClient('oracle-account', secret);
    await stack.call('PUT', `/v1/connections/${oracle.body.id}/secrets/client_secret`, a.key, { value: secret });
    const report = await stack.call('POST', `/v1/connections/${oracle.body.id}/test`, a.key);
    expect(report.body).toMatchObject({ ok: true });
    expect(report.text).not.toContain(secret);
  });

  it('tests an HL7 v2 site by opening and closing an MLLP session', async () => {
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const site = await stack.call('POST', '/v1/connections', a.key, { name: 'Lab feed', vendor: 'hl7v2', environment: 'sandbox', mllpHost: '127.0.0.1', mllpPort: port, hl7SendingFacility: 'LAB' });
    const passed = await stack.call('POST', `/v1/connections/${site.body.id}/test`, a.key);
    expect(passed.body).toMatchObject({ ok: true, steps: [{ name: 'mllp-session', status: 'passed' }] });
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const failed = await stack.call('POST', `/v1/connections/${site.body.id}/test`, a.key);
    expect(failed.body).toMatchObject({ ok: false, steps: [{ name: 'mllp-session', status: 'failed', code: 'connect_failed', hint: expect.stringContaining('firewall') }] });
  });

  it('rotates keys: the old key stays published until retired', async () => {
    const imported = await stack.call('POST', `/v1/connections/${connectionId}/keys`, a.key, { alg: 'RS384', privateKeyPem: IMPORTED_PEM });
    expect(imported.status).toBe(201);
    const kids = async () => (await stack.call('GET', `/.well-known/jwks/${connectionId}.json`)).body.keys.map((k: { kid: string }) => k.kid);
    expect(await kids()).toEqual(expect.arrayContaining([firstKid, imported.body.kid]));
    const retired = await stack.call('DELETE', `/v1/connections/${connectionId}/keys/${firstKid}`, a.key);
    expect(retired.body.status).toBe('retired');
    expect(await kids()).toEqual([imported.body.kid]);
    expect(JSON.stringify(imported.body)).not.toContain(PEM_BODY_SAMPLE);
  });

  it('keeps secrets write-only: set and rotate return metadata, lists never show values', async () => {
    const put = await stack.call('PUT', `/v1/connections/${connectionId}/secrets/client_secret`, a.key, { value: SECRET_VALUE });
    stack.secrets.push(SECRET_VALUE);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'client_secret', version: 1, byteLength: SECRET_VALUE.length });
    expect(put.text).not.toContain(SECRET_VALUE);
    const rotated = await stack.call('PUT', `/v1/connections/${connectionId}/secrets/client_secret`, a.key, { value: `${SECRET_VALUE}-2` });
    expect(rotated.body.version).toBe(2);
    expect(rotated.body.fingerprint).not.toBe(put.body.fingerprint);
    const list = await stack.call('GET', `/v1/connections/${connectionId}/secrets`, a.key);
    expect(list.body.items.find((s: { name: string }) => s.name === 'client_secret')).toMatchObject({ version: 2 });
    expect(list.text).not.toContain(SECRET_VALUE);
    const audit = await stack.call('GET', '/v1/audit-records?limit=500', a.key);
    expect(audit.body.items.some((r: { operation: string }) => r.operation === 'secret.decrypt')).toBe(true);
    expect(audit.text).not.toContain(SECRET_VALUE);
  });

  describe('bad input: a clear 4xx with a stable code, nothing stored', () => {
    const create = (body: Record<string, unknown>) => stack.call('POST', '/v1/connections', a.key, { name: 'x', environment: 'sandbox', ...body });

    it.each([
      ['an unknown vendor', { vendor: 'cerner-classic' }, 'vendor'],
      ['an invalid URL', { vendor: 'fhir', fhirBaseUrl: 'not a url' }, 'fhirBaseUrl'],
      ["another vendor's field", { vendor: 'epic', mllpHost: 'mllp.example' }, ''],
      ['a bad HL7 routing key', { vendor: 'hl7v2', hl7SendingFacility: 'A|B' }, 'hl7SendingFacility'],
    ])('%s', async (_label, body, path) => {
      const before = (await stack.call('GET', '/v1/connections', a.key)).body.items.length;
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
      expect((await stack.call('GET', '/v1/connections', a.key)).body.items.length).toBe(before);
    });

    it('refuses malformed and mismatched keys', async () => {
      const keys = `/v1/connections/${connectionId}/keys`;
      const malformed = await stack.call('POST', keys, a.key, { alg: 'RS384', privateKeyPem: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' });
      expect(malformed).toMatchObject({ status: 400, body: { code: 'validation_failed', issues: [{ path: 'privateKeyPem' }] } });
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const wrongType = await stack.call('POST', keys, a.key, { alg: 'RS384', privateKeyPem: ec });
      expect(wrongType.body.issues[0].message).toMatch(/RSA/);
      const badJwk = await stack.call('POST', keys, a.key, { alg: 'ES384', privateJwk: { kty: 'EC', crv: 'P-384', x: 'AA' } });
      expect(badJwk.status).toBe(400);
      expect((await stack.call('POST', keys, a.key, { alg: 'HS256' })).status).toBe(400);
    });

    it('refuses oversize secrets and bad names without storing anything', async () => {
      const big = await stack.call('PUT', `/v1/connections/${connectionId}/secrets/big`, a.key, { value: 'x'.repeat(64 * 1024 + 1) });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('payload_too_large');
      expect((await stack.call('PUT', `/v1/connections/${connectionId}/secrets/Bad%20Name`, a.key, { value: 'v' })).status).toBe(400);
      const names = (await stack.call('GET', `/v1/connections/${connectionId}/secrets`, a.key)).body.items.map((s: { name: string }) => s.name);
      expect(names).not.toContain('big');
    });

    it('refuses an illegal lifecycle move', async () => {
      const draft = await create({ vendor: 'hl7v2' });
      const res = await stack.call('POST', `/v1/connections/${draft.body.id}/status`, a.key, { status: 'live' });
      expect(res).toMatchObject({ status: 409, body: { code: 'conflict', from: 'draft' } });
    });
  });

  describe("cross-tenant: tenant B gets 404 for every endpoint on tenant A's connection", () => {
    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['POST', '/status'],
      ['POST', '/test'],
      ['POST', '/echo'],
      ['PUT', '/secrets/client_secret'],
      ['GET', '/secrets'],
      ['DELETE', '/secrets/client_secret'],
      ['POST', '/keys'],
      ['GET', '/keys'],
      ['DELETE', '/keys/some-kid'],
    ])('%s /v1/connections/{A}%s', async (method, suffix) => {
      const bodies: Record<string, unknown> = {
        PATCH: { name: 'hijacked' },
        '/status': { status: 'disabled' },
        '/echo': { message: 'x' },
        '/secrets/client_secret': { value: 'overwritten' },
        '/keys': { alg: 'ES384' },
      };
      const body = method === 'PATCH' ? bodies.PATCH : method === 'POST' || method === 'PUT' ? bodies[suffix] : undefined;
      const res = await stack.call(method, `/v1/connections/${connectionId}${suffix}`, b.key, body);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(a.id);
    });

    it("left tenant A's connection, secret and keys untouched", async () => {
      const connection = await stack.call('GET', `/v1/connections/${connectionId}`, a.key);
      expect(connection.body).toMatchObject({ name: 'General Hospital', status: 'live' });
      const secrets = await stack.call('GET', `/v1/connections/${connectionId}/secrets`, a.key);
      expect(secrets.body.items.find((s: { name: string }) => s.name === 'client_secret')).toMatchObject({ version: 2 });
      expect((await stack.call('GET', `/.well-known/jwks/${connectionId}.json`)).body.keys).toHaveLength(1);
    });
  });

  it('re-wraps data keys through the worker when the operator asks', async () => {
    const started = await stack.call('POST', '/v1/vault/rotations', stack.adminToken);
    expect(started.status).toBe(202);
    let state = '';
    for (let i = 0; i < 50 && state !== 'completed'; i++) {
      const current = await stack.call('GET', '/v1/vault/rotations/current', stack.adminToken);
      state = current.body.state;
      if (state === 'completed') expect(current.body.result).toMatchObject({ failed: 0 });
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('completed');
    const keks = await stack.call('GET', '/v1/vault/keks', stack.adminToken);
    expect(keks.body.primary.provider).toBe('local');
    expect((await stack.call('GET', '/v1/vault/keks', a.key)).status).toBe(403);
  });
});

describe('no secret in what the run emitted', () => {
  it('finds no secret value, key material or credential in logs or spans', async () => {
    const emitted = await stack.stopAndCollect();
    expect(emitted.spans.length).toBeGreaterThan(0);
    expect(findLeaks(emitted, [...stack.secrets, PEM_BODY_SAMPLE])).toEqual([]);
  });
});
