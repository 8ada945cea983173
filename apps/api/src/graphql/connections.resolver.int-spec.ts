import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testConfig, testRedisPrefix } from '@sb/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

interface GqlError {
  message: string;
  extensions: { code: string; issues?: { path: string; message: string }[] };
}
interface GqlResult {
  data?: Record<string, any> | null;
  errors?: GqlError[];
}

const redisPrefix = testRedisPrefix('graphql-connections');
const SECRET_VALUE = `s3cr3t-${randomBytes(12).toString('hex')}`;
/** Every response body, to prove the secret value never comes back. */
const bodies: string[] = [];

const CONNECTION_FIELDS = `id tenantId name vendor environment status fhirBaseUrl tokenUrl athenaPracticeId athenaBaseUrl departmentIds changePollSeconds
  changeReplayMinutes athenaEndpoints { baseUrl tokenUrl } mllpHost mllpPort mllpTls
  hl7SendingFacility hl7SendingApplication clientId scopes authAlg clientSecretName dialect createdAt updatedAt
  health { lastTestedAt lastSuccessAt lastErrorAt lastErrorCode tokenExpiresAt }`;
const SECRET_FIELDS = 'name version fingerprint byteLength kmsProvider kekId kekVersion createdAt lastUsedAt';
const KEY_FIELDS = 'kid alg status createdAt retiredAt jwksUrl publicJwk';

let app: INestApplication;
let keyA: string;
let keyB: string;
let narrowKey: string;

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult> {
  const res = await request(app.getHttpServer()).post('/graphql').set('authorization', `Bearer ${token}`).send({ query, variables });
  bodies.push(res.text);
  expect(res.status).toBe(200);
  return res.body as GqlResult;
}

/** The data of an operation that must succeed. */
async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await gql(token, query, variables);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

/** The single error of an operation that must fail. */
async function failure(token: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlError> {
  const res = await gql(token, query, variables);
  expect(res.errors).toHaveLength(1);
  return res.errors![0]!;
}

const CREATE = `mutation($input: CreateConnectionInput!) { createConnection(input: $input) { ${CONNECTION_FIELDS} } }`;
const GET = `query($id: ID!) { connection(id: $id) { ${CONNECTION_FIELDS} secrets { ${SECRET_FIELDS} } keys { ${KEY_FIELDS} } } }`;

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const fixtures = new Fixtures(moduleRef);
  const apiKeys = app.get(ApiKeyService);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'graphql a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'graphql b' })).key;
  narrowKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'usage only', scopes: ['usage:read'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GraphQL connections, secrets and keys', () => {
  let id: string;

  it('creates a generic FHIR sandbox connection with the schema defaults, then lists, reads and updates it', async () => {
    const { createConnection: created } = await ok(keyA, CREATE, { input: { name: 'Epic sandbox', vendor: 'fhir' } });
    expect(created).toMatchObject({
      name: 'Epic sandbox',
      vendor: 'fhir',
      environment: 'sandbox',
      status: 'draft',
      fhirBaseUrl: null,
      tokenUrl: null,
      authAlg: 'RS384',
      mllpTls: false,
      scopes: [],
      athenaBaseUrl: null,
      departmentIds: [],
      athenaEndpoints: null,
      dialect: {},
      health: { lastTestedAt: null, lastSuccessAt: null, lastErrorAt: null, lastErrorCode: null, tokenExpiresAt: null },
    });
    id = created.id;

    const { connections } = await ok(keyA, `{ connections { id vendor } }`);
    expect(connections).toEqual(expect.arrayContaining([{ id, vendor: 'fhir' }, expect.objectContaining({ vendor: 'echo' })]));

    const { connection } = await ok(keyA, GET, { id: id.toUpperCase() });
    expect(connection).toMatchObject({ ...created, secrets: [], keys: [] });

    const dialect = { identifierSystems: { mrn: 'urn:oid:1.2.840.114350.1' } };
    const { updateConnection } = await ok(keyA, `mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { name clientId dialect } }`, {
      id,
      input: { name: 'Epic sandbox (renamed)', clientId: 'client-123', dialect },
    });
    expect(updateConnection).toEqual({ name: 'Epic sandbox (renamed)', clientId: 'client-123', dialect });
  });

  it('sets and rotates secrets write-only, lists their metadata on the connection, and deletes them', async () => {
    const SET = `mutation($id: ID!, $name: String!, $value: String!) { setConnectionSecret(connectionId: $id, name: $name, value: $value) { ${SECRET_FIELDS} } }`;
    const first = (await ok(keyA, SET, { id, name: 'client_secret', value: SECRET_VALUE })).setConnectionSecret;
    expect(first).toMatchObject({ name: 'client_secret', version: 1, byteLength: SECRET_VALUE.length, kmsProvider: 'local', lastUsedAt: null });
    expect(first.fingerprint).toMatch(/^sha256:/);
    const rotated = (await ok(keyA, SET, { id, name: 'client_secret', value: `${SECRET_VALUE}-2` })).setConnectionSecret;
    expect(rotated.version).toBe(2);
    await ok(keyA, SET, { id, name: 'spare', value: SECRET_VALUE });

    const { connection } = await ok(keyA, `query($id: ID!) { connection(id: $id) { secrets { name version } } }`, { id });
    expect(connection.secrets).toEqual(expect.arrayContaining([{ name: 'client_secret', version: 2 }, { name: 'spare', version: 1 }]));

    const DELETE = `mutation($id: ID!, $name: String!) { deleteConnectionSecret(connectionId: $id, name: $name) }`;
    expect((await ok(keyA, DELETE, { id, name: 'spare' })).deleteConnectionSecret).toBe(true);
    expect((await failure(keyA, DELETE, { id, name: 'spare' })).extensions.code).toBe('not_found');
    expect(bodies.some((b) => b.includes(SECRET_VALUE))).toBe(false);
  });

  it('generates an ES384 key, shows it on the connection and retires it', async () => {
    const { generateConnectionKey: key } = await ok(
      keyA,
      `mutation($id: ID!, $input: GenerateKeyInput!) { generateConnectionKey(connectionId: $id, input: $input) { ${KEY_FIELDS} } }`,
      { id, input: { alg: 'ES384' } },
    );
    expect(key).toMatchObject({ alg: 'ES384', status: 'active', retiredAt: null, publicJwk: { kty: 'EC', crv: 'P-384' } });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.jwksUrl).toMatch(new RegExp(`/\\.well-known/jwks/${id}\\.json$`));

    const { connection } = await ok(keyA, `query($id: ID!) { connection(id: $id) { keys { kid status } } }`, { id });
    expect(connection.keys).toEqual([{ kid: key.kid, status: 'active' }]);

    const { retireConnectionKey } = await ok(keyA, `mutation($id: ID!, $kid: String!) { retireConnectionKey(connectionId: $id, kid: $kid) { kid status retiredAt } }`, {
      id,
      kid: key.kid,
    });
    expect(retireConnectionKey).toMatchObject({ kid: key.kid, status: 'retired', retiredAt: expect.any(String) });
  });

  it('tests the connection, records its health, and moves it through the lifecycle', async () => {
    const { testConnection } = await ok(keyA, `mutation($id: ID!) { testConnection(id: $id) { connectionId vendor ok testedAt steps { name status durationMs detail code } } }`, { id });
    expect(testConnection).toMatchObject({ connectionId: id, vendor: 'fhir', ok: false, steps: [{ name: 'configuration', status: 'failed', code: 'missing_fhir_base_url' }] });

    const STATUS = `mutation($id: ID!, $status: ConnectionStatus!) { setConnectionStatus(id: $id, status: $status) { status health { lastErrorCode } } }`;
    expect((await ok(keyA, STATUS, { id, status: 'testing' })).setConnectionStatus).toEqual({ status: 'testing', health: { lastErrorCode: 'missing_fhir_base_url' } });
    expect((await failure(keyA, STATUS, { id, status: 'live' })).extensions.code).toBe('conflict');
  });

  it('creates a production athena connection with its practice, client id, departments and poll settings, with the endpoints by environment', async () => {
    const input = { name: 'Valley Clinic', vendor: 'athena', environment: 'production', athenaPracticeId: '1959222', clientId: 'athena-app', departmentIds: ['1', '150'], changePollSeconds: 60 };
    const { createConnection: created } = await ok(keyA, CREATE, { input });
    expect(created).toMatchObject({
      vendor: 'athena',
      status: 'draft',
      athenaPracticeId: '1959222',
      clientId: 'athena-app',
      clientSecretName: 'client_secret',
      athenaBaseUrl: null,
      tokenUrl: null,
      fhirBaseUrl: null,
      departmentIds: ['1', '150'],
      changePollSeconds: 60,
      changeReplayMinutes: null,
      athenaEndpoints: { baseUrl: 'https://api.platform.athenahealth.com', tokenUrl: 'https://api.platform.athenahealth.com/oauth2/v1/token' },
    });

    const UPDATE = `mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) { athenaBaseUrl departmentIds changePollSeconds changeReplayMinutes athenaEndpoints { baseUrl tokenUrl } } }`;
    const { updateConnection } = await ok(keyA, UPDATE, {
      id: created.id,
      input: { athenaBaseUrl: 'https://athena.example.org/', departmentIds: [], changePollSeconds: null, changeReplayMinutes: 15 },
    });
    expect(updateConnection).toEqual({
      athenaBaseUrl: 'https://athena.example.org',
      departmentIds: [],
      changePollSeconds: null,
      changeReplayMinutes: 15,
      athenaEndpoints: { baseUrl: 'https://athena.example.org', tokenUrl: 'https://athena.example.org/oauth2/v1/token' },
    });

    const missing = await failure(keyA, CREATE, { input: { name: 'x', vendor: 'athena', environment: 'production' } });
    expect(missing.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'athenaPracticeId' }, { path: 'clientId' }] });
    const fhirOnly = await failure(keyA, UPDATE, { id: created.id, input: { fhirBaseUrl: 'https://fhir.example.org/r4' } });
    expect(fhirOnly.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'fhirBaseUrl', message: 'not a setting of athena connections' }] });
    const withCredentials = await failure(keyA, UPDATE, { id: created.id, input: { athenaBaseUrl: 'https://user:pw@athena.example.org' } });
    expect(withCredentials.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'athenaBaseUrl', message: expect.stringContaining('credentials_in_url') }] });
  });

  it('refuses invalid input with the REST field issues', async () => {
    const foreign = await failure(keyA, CREATE, { input: { name: 'x', vendor: 'epic', mllpHost: 'mllp.example.org' } });
    expect(foreign.extensions.code).toBe('validation_failed');
    expect(foreign.extensions.issues).toEqual([expect.objectContaining({ message: expect.stringContaining('mllpHost') })]);

    const athena = await failure(keyA, CREATE, { input: { name: 'x', vendor: 'athena', athenaPracticeId: '12a' } });
    expect(athena.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'athenaPracticeId', message: 'digits only' }] });

    const update = await failure(keyA, `mutation($id: ID!) { updateConnection(id: $id, input: { mllpPort: 2575 }) { id } }`, { id });
    expect(update.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'mllpPort', message: 'not a setting of fhir connections' }] });

    const pem = await failure(keyA, `mutation($id: ID!) { generateConnectionKey(connectionId: $id, input: { alg: ES384, privateKeyPem: "not a pem" }) { kid } }`, { id });
    expect(pem.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'privateKeyPem', message: 'not a PEM-encoded private key' }] });

    const secretName = await failure(keyA, `mutation($id: ID!) { setConnectionSecret(connectionId: $id, name: "Bad Name", value: "v") { name } }`, { id });
    expect(secretName.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'name' }] });

    for (const bad of ['not-a-uuid', randomUUID()]) {
      expect((await failure(keyA, GET, { id: bad })).extensions.code).toBe('not_found');
    }
  });

  it("answers not_found to every operation on another tenant's connection, and changes nothing", async () => {
    const before = (await ok(keyA, GET, { id })).connection;
    const kid = before.keys[0].kid;
    const operations: [string, Record<string, unknown>][] = [
      [GET, { id }],
      [`mutation($id: ID!) { updateConnection(id: $id, input: { name: "stolen" }) { id } }`, { id }],
      [`mutation($id: ID!) { setConnectionStatus(id: $id, status: disabled) { id } }`, { id }],
      [`mutation($id: ID!) { testConnection(id: $id) { ok } }`, { id }],
      [`mutation($id: ID!) { setConnectionSecret(connectionId: $id, name: "client_secret", value: "other") { name } }`, { id }],
      [`mutation($id: ID!) { deleteConnectionSecret(connectionId: $id, name: "client_secret") }`, { id }],
      [`mutation($id: ID!) { generateConnectionKey(connectionId: $id, input: { alg: ES384 }) { kid } }`, { id }],
      [`mutation($id: ID!, $kid: String!) { retireConnectionKey(connectionId: $id, kid: $kid) { kid } }`, { id, kid }],
    ];
    for (const [query, variables] of operations) {
      const error = await failure(keyB, query, variables);
      expect({ query, code: error.extensions.code }).toEqual({ query, code: 'not_found' });
    }
    expect((await ok(keyB, `{ connections { id } }`)).connections).not.toContainEqual({ id });
    expect((await ok(keyA, GET, { id })).connection).toEqual(before);
  });

  it('refuses credentials without admin:connections, and the operator', async () => {
    for (const token of [narrowKey, testConfig().adminToken]) {
      expect((await failure(token, `{ connections { id } }`)).extensions.code).toBe('forbidden');
      expect((await failure(token, CREATE, { input: { name: 'x', vendor: 'fhir' } })).extensions.code).toBe('forbidden');
    }
  });
});
