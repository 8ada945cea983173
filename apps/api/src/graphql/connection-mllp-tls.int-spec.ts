import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

// The hl7v2 MLLP/TLS settings over REST and GraphQL: the pin is public and normalized, the
// certificate and CA are vault secret names (their values are never shown), validation
// names the field, and the settings belong to hl7v2 connections only.

const redisPrefix = testRedisPrefix('connection-mllp-tls');
const HEX = randomBytes(32).toString('hex');
const PIN = HEX.toUpperCase().match(/../g)!.join(':');
/** Stands in for a PEM bundle: whatever is stored must never come back. */
const SECRET_VALUE = `-----BEGIN CERTIFICATE-----\n${randomBytes(24).toString('base64')}\n-----END CERTIFICATE-----\n`;
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
    expect((await call('put', `/v1/connections/${id}/secrets/mllp-client`, { value: SECRET_VALUE })).status).toBe(200);
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

  it('never returns a secret value', () => {
    expect(bodies.some((b) => b.includes(SECRET_VALUE.split('\n')[1]!))).toBe(false);
  });
});
