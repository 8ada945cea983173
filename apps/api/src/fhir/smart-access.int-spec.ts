import type { INestApplication } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import { AuditService } from '@sb/audit';
import { AuthenticationService } from '@sb/auth';
import { ClinicalService } from '@sb/clinical';
import { ErrorCode, type Actor } from '@sb/core';
import { ClinicalStoreRepository, ConnectionRepository, Database, type Connection, type StoredResource } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { TransactionPipeline } from '@sb/transactions';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

/**
 * SMART App Launch scopes on the FHIR facade (issue 15, B8/B9): a launched app's token
 * (an Actor of type smart-app, built here as the gateway's authentication will build it)
 * against an HL7 v2 connection whose store holds two patients' labs, vitals and allergies.
 */
const redisPrefix = testRedisPrefix('smart-access');
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB_ONLY = `patient/Observation.rs?category=${CATEGORY}|laboratory`;

let app: INestApplication;
let clinical: ClinicalService;
let a: TenantFixture;
let b: TenantFixture;
let hl7: Connection;
let otherHl7: Connection;
let bHl7: Connection;
let apiKeyA: string;
/** Bearer tokens the test's authentication answers with a smart-app actor. */
const smartTokens = new Map<string, Actor>();

const stored = (resource: Record<string, unknown> & { resourceType: string; id: string }, patientId: string | null): StoredResource => ({
  resourceType: resource.resourceType,
  id: resource.id,
  patientId,
  identifiers: [],
  nameTokens: [],
  searchDate: null,
  resource,
});
const category = (code: string) => [{ coding: [{ system: CATEGORY, code }] }];

/** A launch of app-1 on `connection` for patient p1 (unless `patientId: null`) with these SMART scopes. */
function launch(scopes: string[], options: { connection?: Connection; patientId?: string | null } = {}): Extract<Actor, { type: 'smart-app' }> {
  const connection = options.connection ?? hl7;
  const patientId = options.patientId === undefined ? 'p1' : options.patientId;
  return {
    type: 'smart-app',
    id: randomUUID(),
    tenantId: connection.tenantId,
    appId: 'app-1',
    connectionId: connection.id,
    scopes: ['launch', 'openid', 'fhirUser', ...scopes],
    ...(patientId ? { patientId } : {}),
  };
}

/** A bearer token standing for the actor. */
function tokenFor(actor: Actor): string {
  const token = `smart-test-${randomUUID()}`;
  smartTokens.set(token, actor);
  return token;
}

const server = () => request(app.getHttpServer());
const ids = (resources: readonly Resource[]) => resources.map((r) => r.id).sort();

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  clinical = app.get(ClinicalService);
  const authentication = app.get(AuthenticationService);
  const authenticate = authentication.authenticate.bind(authentication);
  jest.spyOn(authentication, 'authenticate').mockImplementation((token) => Promise.resolve(smartTokens.get(token) ?? null).then((actor) => actor ?? authenticate(token)));

  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  apiKeyA = (await app.get(ApiKeyService).create(a.actor(), a.tenant.id, { name: 'smart-access a' })).key;
  const connections = app.get(ConnectionRepository);
  const db = app.get(Database);
  const hl7Site = (tenantId: string, name: string) => db.transaction((tx) => connections.create(tx, tenantId, { name, vendor: 'hl7v2', environment: 'production', status: 'live' }));
  hl7 = await hl7Site(a.tenant.id, 'clinic');
  otherHl7 = await hl7Site(a.tenant.id, 'second clinic');
  bHl7 = await hl7Site(b.tenant.id, 'b clinic');

  const resources: StoredResource[] = [];
  for (const p of ['p1', 'p2']) {
    resources.push(stored({ resourceType: 'Patient', id: p, gender: 'female' }, p));
    resources.push(stored({ resourceType: 'Observation', id: `${p}-lab`, status: 'final', category: category('laboratory'), code: { text: 'Hb' }, subject: { reference: `Patient/${p}` } }, p));
    resources.push(stored({ resourceType: 'Observation', id: `${p}-bp`, status: 'final', category: category('vital-signs'), code: { text: 'BP' }, subject: { reference: `Patient/${p}` } }, p));
    resources.push(stored({ resourceType: 'AllergyIntolerance', id: `${p}-food`, category: ['food'], patient: { reference: `Patient/${p}` } }, p));
    resources.push(stored({ resourceType: 'AllergyIntolerance', id: `${p}-drug`, category: ['medication'], patient: { reference: `Patient/${p}` } }, p));
  }
  const store = app.get(ClinicalStoreRepository);
  await store.save(a.tenant.id, hl7.id, resources);
  await store.save(a.tenant.id, otherHl7.id, resources);
  await store.save(b.tenant.id, bHl7.id, resources);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('a SMART app’s token on the clinical service (real Postgres)', () => {
  it('searches lab Observations under the lab-only scope: only the launch patient’s, only labs', async () => {
    const app1 = launch([LAB_ONLY]);
    expect(ids((await clinical.search(app1, a.tenant.id, hl7.id, 'Observation', { patient: ['p1'] })).resources)).toEqual(['p1-lab']);
    // Without a patient the search is narrowed to the launch patient.
    expect(ids((await clinical.search(app1, a.tenant.id, hl7.id, 'Observation', {})).resources)).toEqual(['p1-lab']);
    // A vitals search under a lab-only scope finds nothing (both categories are required, none is both).
    expect((await clinical.search(app1, a.tenant.id, hl7.id, 'Observation', { category: ['vital-signs'] })).resources).toEqual([]);
    await expect(clinical.search(app1, a.tenant.id, hl7.id, 'Observation', { patient: ['p2'] })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('filters what the EHR returns when it cannot be asked for the restriction', async () => {
    // The HL7 v2 store does not search AllergyIntolerance by category: the gateway filters.
    const foodOnly = launch(['patient/AllergyIntolerance.rs?category=food']);
    const page = await clinical.search(foodOnly, a.tenant.id, hl7.id, 'AllergyIntolerance', {});
    expect(ids(page.resources)).toEqual(['p1-food']);
    expect(page.total).toBeUndefined();
  });

  it('refuses another patient’s read (403) under patient scopes and serves the launch patient’s', async () => {
    const app1 = launch(['patient/*.rs']);
    expect((await clinical.read(app1, a.tenant.id, hl7.id, 'Patient', 'p1')).id).toBe('p1');
    expect((await clinical.read(app1, a.tenant.id, hl7.id, 'Observation', 'p1-bp')).id).toBe('p1-bp');
    await expect(clinical.read(app1, a.tenant.id, hl7.id, 'Patient', 'p2')).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(clinical.read(app1, a.tenant.id, hl7.id, 'Observation', 'p2-lab')).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    // A read outside the scope's restriction is refused too.
    await expect(clinical.read(launch([LAB_ONLY]), a.tenant.id, hl7.id, 'Observation', 'p1-bp')).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('reads another patient under user scopes', async () => {
    const clinician = launch(['user/*.rs']);
    expect((await clinical.read(clinician, a.tenant.id, hl7.id, 'Patient', 'p2')).id).toBe('p2');
    expect(ids((await clinical.search(clinician, a.tenant.id, hl7.id, 'Observation', { patient: ['p2'] })).resources)).toEqual(['p2-bp', 'p2-lab']);
  });

  it('answers 404 Connection for another connection of the tenant and another tenant’s, without data', async () => {
    const app1 = launch(['user/*.rs']);
    for (const [tenantId, connectionId] of [
      [a.tenant.id, otherHl7.id],
      [a.tenant.id, a.echo.id],
      [b.tenant.id, bHl7.id],
      [a.tenant.id, bHl7.id],
    ] as const) {
      await expect(clinical.read(app1, tenantId, connectionId, 'Patient', 'p1')).rejects.toMatchObject({ code: ErrorCode.NotFound, message: 'Connection not found' });
      await expect(clinical.search(app1, tenantId, connectionId, 'Observation', { patient: ['p1'] })).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(clinical.capabilityStatement(tenantId, connectionId, app1)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    }
  });

  it('refuses a write without c (403 naming the scope), and a write about another patient', async () => {
    const note = (patient: string): Resource =>
      ({ resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${patient}` }, content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }] }) as Resource;
    await expect(clinical.create(launch(['patient/*.rs']), a.tenant.id, hl7.id, 'DocumentReference', note('p1'))).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
      details: { requiredScope: 'patient/DocumentReference.c' },
    });
    await expect(clinical.create(launch(['patient/DocumentReference.c']), a.tenant.id, hl7.id, 'DocumentReference', note('p2'))).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('audits the lab search as a disclosure about the launch patient only', async () => {
    const before = (await app.get(AuditService).list(a.tenant.id, { order: 'desc', limit: 1 }))[0]?.sequence ?? 0;
    await clinical.search(launch([LAB_ONLY]), a.tenant.id, hl7.id, 'Observation', {});
    const records = await app.get(AuditService).list(a.tenant.id, { afterSequence: before, limit: 50 });
    expect(records.filter((r) => r.operation === 'search').map((r) => [r.resourceType, r.patientRef, r.actorType])).toEqual([['Observation', 'Patient/p1', 'smart-app']]);
  });
});

describe('a SMART app’s token in the transaction pipeline (whoever calls it)', () => {
  const run = (actor: Actor, req: { connectionId?: string; operation: 'echo' | 'read' | 'bulk-export'; resourceType: string; patientRef?: string }) =>
    app.get(TransactionPipeline).run(
      { tenantId: a.tenant.id, connectionId: req.connectionId ?? hl7.id, operation: req.operation, resourceType: req.resourceType, actor, patientRef: req.patientRef ?? null },
      { call: () => Promise.resolve('done') },
    );

  it('refuses anything but clinical reads, searches and writes, another connection, and another patient named up front', async () => {
    const wide = launch(['patient/*.cruds', 'system/*.cruds']);
    await expect(run(wide, { operation: 'echo', resourceType: 'Parameters' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(run(wide, { operation: 'bulk-export', resourceType: 'Patient' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(run(launch(['user/*.rs']), { connectionId: otherHl7.id, operation: 'read', resourceType: 'Patient' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const patientOnly = launch(['patient/*.rs']);
    await expect(run(patientOnly, { operation: 'read', resourceType: 'MessageHeader', patientRef: 'Patient/p2' })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    await expect(run(patientOnly, { operation: 'read', resourceType: 'MessageHeader', patientRef: 'Patient/p1' })).resolves.toMatchObject({ result: 'done' });
  });
});

describe('a SMART app’s token over HTTP', () => {
  it('gets a Bundle of the launch patient’s labs from the facade, and 403 for another patient', async () => {
    const token = tokenFor(launch([LAB_ONLY, 'patient/Patient.r']));
    const res = await server().get(`/fhir/r4/${hl7.id}/Observation?patient=p1`).set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { resource: Resource }) => e.resource.id)).toEqual(['p1-lab']);
    expect((await server().get(`/fhir/r4/${hl7.id}/Patient/p1`).set('authorization', `Bearer ${token}`)).status).toBe(200);
    const other = await server().get(`/fhir/r4/${hl7.id}/Patient/p2`).set('authorization', `Bearer ${token}`);
    expect(other.status).toBe(403);
    expect(other.body.resourceType).toBe('OperationOutcome');
    expect(other.text).not.toContain('female');
  });

  it('answers 404 on another connection, its metadata included', async () => {
    const token = tokenFor(launch(['user/*.rs']));
    for (const path of [`/fhir/r4/${otherHl7.id}/Patient/p1`, `/fhir/r4/${bHl7.id}/Patient/p1`, `/fhir/r4/${otherHl7.id}/metadata`]) {
      const res = await server().get(path).set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('female');
    }
    expect((await server().get(`/fhir/r4/${hl7.id}/metadata`).set('authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('is refused (403) on management, webhook, HL7 and Bulk Data routes whatever its scopes', async () => {
    const token = tokenFor(launch(['user/*.cruds', 'system/*.cruds']));
    const refused = [
      server().get('/v1/connections'),
      server().get('/v1/event-types'),
      server().get('/v1/webhook-endpoints'),
      server().get(`/v1/connections/${hl7.id}/hl7/messages`),
      server().get(`/v1/connections/${hl7.id}/hl7/messages/${randomUUID()}`),
      server().post(`/v1/connections/${a.echo.id}/echo`).send({ message: 'hi' }),
      server().get(`/fhir/r4/${hl7.id}/Group`),
      server().get(`/fhir/r4/${hl7.id}/Patient/$export`).set({ accept: 'application/fhir+json', prefer: 'respond-async' }),
      server().get(`/fhir/r4/${hl7.id}/$export-status/${randomUUID()}`),
    ];
    for (const req of refused) expect((await req.set('authorization', `Bearer ${token}`)).status).toBe(403);
    // The same routes still serve a tenant API key.
    expect((await server().get('/v1/connections').set('authorization', `Bearer ${apiKeyA}`)).status).toBe(200);
  });

  it('may query clinical GraphQL on its connection but not mutate', async () => {
    const token = tokenFor(launch(['patient/*.cruds']));
    const gql = (query: string, variables: Record<string, unknown>) => server().post('/graphql').set('authorization', `Bearer ${token}`).send({ query, variables });
    const read = await gql('query($c: ID!, $id: ID!) { patient(connectionId: $c, id: $id) { id } }', { c: hl7.id, id: 'p1' });
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.patient.id).toBe('p1');
    const other = await gql('query($c: ID!, $id: ID!) { patient(connectionId: $c, id: $id) { id } }', { c: hl7.id, id: 'p2' });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('forbidden');
    const note = await gql('mutation($c: ID!) { createNote(connectionId: $c, patientId: "p1", text: "hello") { id } }', { c: hl7.id });
    expect(note.body.errors?.[0]?.extensions?.code).toBe('forbidden');
    const management = await gql('query { connections { id } }', {});
    expect(management.body.errors?.[0]?.extensions?.code).toBe('forbidden');
  });
});
