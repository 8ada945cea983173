import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, createTestPki, deleteRedisKeys, Fixtures, testRedisPrefix, type TestPki } from '@sb/testing';
import { randomBytes, X509Certificate } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

// The hl7v2 MLLP/TLS settings over REST and GraphQL: the pin is public and normalized, the
// certificate and CA are vault secret names (their values are never shown), validation
// names the field, and the settings belong to hl7v2 connections only.

const redisPrefix = testRedisPrefix('connection-mllp-tls');
const HEX = randomBytes(32).toString('hex');
const PIN = HEX.toUpperCase().match(/../g)!.join(':');
const pki: TestPki = createTestPki();
/** A client certificate and its key: whatever is stored must never come back. */
const SECRET_VALUE = Buffer.concat([pki.read('clientCert'), pki.read('clientKey')]).toString();
const KEY_LINE = pki.read('clientKey').toString().split('\n')[1]!;
const bodies: string[] = [];
let app: INestApplication;
let key: string;

async function call(method: 'get' | 'post' | 'patch' | 'put', path: string, body?: object) {
  const res = await request(app.getHttpServer())[method](path).set('authorization', `Bearer ${key}`).send(body);
  bodies.push(res.text);
  return res;
}

async function gql(query: string, variables: Record<string, unknown>) {
  const res = await call('post', '/graphql', { query, variables });
  expect(res.status).toBe(200);
  return res.body as { data?: Record<string, any> | null; errors?: { message: string; extensions: { code: string; issues?: { path: string; message: string }[] } }[] };
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const a = await new Fixtures(moduleRef).newTenant();
  key = (await app.get(ApiKeyService).create(a.actor(), a.tenant.id, { name: 'mllp tls' })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
  pki.remove();
});

describe('hl7v2 MLLP TLS settings over the API', () => {
  let id: string;

  it('creates over REST with a pin in hex and the secret names; the view shows the normalized pin and names only', async () => {
    const res = await call('post', '/v1/connections', {
      name: 'Lab over mTLS',
      vendor: 'hl7v2',
      mllpHost: 'lab.example.org',
      mllpPort: 2575,
      mllpTls: true,
      mllpClientCertSecretName: 'mllp-client',
      mllpCaSecretName: 'mllp-ca',
      mllpPinnedCertSha256: HEX,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ vendor: 'hl7v2', mllpTls: true, mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca', mllpPinnedCertSha256: PIN });
    id = res.body.id;
    const put = await call('put', `/v1/connections/${id}/secrets/mllp-client`, { value: SECRET_VALUE });
    expect(put.status).toBe(200);
    // A certificate's expiry is read from it, for the health monitor's warning.
    expect(put.body.expiresAt).toBe(new Date(new X509Certificate(pki.read('clientCert')).validTo).toISOString());
    const got = await call('get', `/v1/connections/${id}`);
    expect(got.body).toMatchObject({ mllpClientCertSecretName: 'mllp-client', mllpPinnedCertSha256: PIN });
  });

  it('reads and updates them over GraphQL; null clears a setting', async () => {
    const FIELDS = 'mllpTls mllpClientCertSecretName mllpCaSecretName mllpPinnedCertSha256';
    const read = await gql(`query($id: ID!) { connection(id: $id) { ${FIELDS} } }`, { id });
    expect(read.data?.connection).toEqual({ mllpTls: true, mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: 'mllp-ca', mllpPinnedCertSha256: PIN });
    const UPDATE = `mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { ${FIELDS} } }`;
    const updated = await gql(UPDATE, { id, input: { mllpCaSecretName: null, mllpPinnedCertSha256: PIN.toLowerCase() } });
    expect(updated.data?.updateConnection).toEqual({ mllpTls: true, mllpClientCertSecretName: 'mllp-client', mllpCaSecretName: null, mllpPinnedCertSha256: PIN });
  });

  it('refuses a malformed fingerprint or secret name, naming the field (REST and GraphQL)', async () => {
    const rest = await call('patch', `/v1/connections/${id}`, { mllpPinnedCertSha256: 'sha1:AB:CD' });
    expect(rest.status).toBe(400);
    expect(rest.body.issues).toEqual([{ path: 'mllpPinnedCertSha256', message: expect.stringMatching(/SHA-256 certificate fingerprint/) }]);
    const gqlRes = await gql(`mutation($input: CreateConnectionInput!) { createConnection(input: $input) { id } }`, {
      input: { name: 'Bad', vendor: 'hl7v2', mllpClientCertSecretName: 'Not A Name' },
    });
    expect(gqlRes.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'mllpClientCertSecretName', message: expect.stringMatching(/lowercase/) }] });
  });

  it('belongs to hl7v2 connections only', async () => {
    const fhir = await call('post', '/v1/connections', { name: 'FHIR', vendor: 'fhir' });
    const res = await call('patch', `/v1/connections/${fhir.body.id}`, { mllpPinnedCertSha256: HEX });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'mllpPinnedCertSha256', message: 'not a setting of fhir connections' }]);
  });

  it('takes a client secret’s expiry date when given (REST and GraphQL), and refuses a certificate that does not parse', async () => {
    const rest = await call('put', `/v1/connections/${id}/secrets/vendor-secret`, { value: 's3cr3t-value', expiresAt: '2027-01-15T00:00:00Z' });
    expect(rest.status).toBe(200);
    expect(rest.body.expiresAt).toBe('2027-01-15T00:00:00.000Z');
    const plain = await call('put', `/v1/connections/${id}/secrets/no-expiry`, { value: 'another-value' });
    expect(plain.body.expiresAt).toBeNull();
    const set = await gql(`mutation($id: ID!, $v: String!, $e: String) { setConnectionSecret(connectionId: $id, name: "gql-secret", value: $v, expiresAt: $e) { expiresAt } }`, {
      id,
      v: 'gql-value',
      e: '2027-02-01T12:00:00+01:00',
    });
    expect(set.data?.setConnectionSecret).toEqual({ expiresAt: '2027-02-01T11:00:00.000Z' });

    const badDate = await call('put', `/v1/connections/${id}/secrets/vendor-secret`, { value: 'x', expiresAt: 'next tuesday' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.issues).toEqual([{ path: 'expiresAt', message: expect.any(String) }]);
    const garbled = `-----BEGIN CERTIFICATE-----\n${randomBytes(24).toString('base64')}\n-----END CERTIFICATE-----\n`;
    const bad = await call('put', `/v1/connections/${id}/secrets/mllp-ca`, { value: garbled });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([{ path: 'value', message: 'a PEM CERTIFICATE block is not a valid X.509 certificate' }]);
    expect((await call('get', `/v1/connections/${id}/secrets`)).body.items.map((x: { name: string }) => x.name)).not.toContain('mllp-ca');
  });

  it('never returns a secret value', () => {
    expect(bodies.some((b) => b.includes(KEY_LINE))).toBe(false);
  });
});

describe('hl7v2 feed watch (hl7Silence) over the API', () => {
  const watch = { minutes: 30, hours: { from: '07:00', to: '19:00', timezone: 'America/Chicago' } };

  it('is set on create and update, shown on read (REST and GraphQL), and cleared with null', async () => {
    const created = await call('post', '/v1/connections', { name: 'ADT feed', vendor: 'hl7v2', hl7SendingFacility: `F${HEX.slice(0, 8)}`, hl7Silence: { minutes: 60 } });
    expect(created.status).toBe(201);
    expect(created.body.hl7Silence).toEqual({ minutes: 60, hours: null });
    const id = created.body.id as string;
    expect((await call('patch', `/v1/connections/${id}`, { hl7Silence: watch })).body.hl7Silence).toEqual(watch);
    const read = await gql(`query($id: ID!) { connection(id: $id) { hl7Silence } }`, { id });
    expect(read.data?.connection).toEqual({ hl7Silence: watch });
    const cleared = await gql(`mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { hl7Silence } }`, { id, input: { hl7Silence: null } });
    expect(cleared.data?.updateConnection).toEqual({ hl7Silence: null });
    expect((await call('get', `/v1/connections/${id}`)).body.hl7Silence).toBeNull();
  });

  it('refuses a watch that cannot work, naming the field, and on connections that are not HL7 feeds', async () => {
    const feed = await call('post', '/v1/connections', { name: 'ORU feed', vendor: 'hl7v2' });
    const refused = async (hl7Silence: unknown) => {
      const res = await call('patch', `/v1/connections/${feed.body.id}`, { hl7Silence });
      expect(res.status).toBe(400);
      return res.body.issues as { path: string; message: string }[];
    };
    expect(await refused({ minutes: 1 })).toEqual([{ path: 'hl7Silence.minutes', message: 'at least 5 minutes' }]);
    expect(await refused({ minutes: 10_081, hours: { from: '07:00', to: '19:00', timezone: 'UTC' } })).toEqual([{ path: 'hl7Silence.minutes', message: 'at most 10080 minutes (a week)' }]);
    expect(await refused({ minutes: 30, hours: { from: '07:00', to: '07:00', timezone: 'UTC' } })).toEqual([{ path: 'hl7Silence.hours.to', message: 'must differ from `from`' }]);
    expect(await refused({ minutes: 30, hours: { from: '07:00', to: '19:00', timezone: 'Mars/Olympus' } })).toEqual([{ path: 'hl7Silence.hours.timezone', message: expect.stringMatching(/IANA/) }]);
    expect(await refused({ minutes: 30, hours: { from: '7am', to: '19:00', timezone: 'UTC' } })).toEqual([{ path: 'hl7Silence.hours.from', message: expect.stringMatching(/HH:MM/) }]);
    const fhir = await call('post', '/v1/connections', { name: 'FHIR 2', vendor: 'fhir' });
    const res = await call('patch', `/v1/connections/${fhir.body.id}`, { hl7Silence: { minutes: 30 } });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'hl7Silence', message: 'not a setting of fhir connections' }]);
  });
});
