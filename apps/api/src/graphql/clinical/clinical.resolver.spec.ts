import type { INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import type { CapabilityStatement, DocumentReference, Resource, Slot } from '@medplum/fhirtypes';
import type { ClinicalResourceType, SearchPage, SearchParams } from '@sb/adapters/contracts';
import { ClinicalService, type CreateOutcome } from '@sb/clinical';
import { buildConfig } from '@sb/config';
import { ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import { ProblemFilter } from '@sb/http';
import type { NextFunction, Request, Response } from 'express';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { graphqlOptions } from '../graphql-options';
import { ClinicalResolver } from './clinical.resolver';

// The resolver over a fake ClinicalService: the real schema, limits, param decorators
// and error rendering, without a database or an EHR (e2e tests use the sandbox EHRs).

const CONN = '5f0c6f0e-1c8a-4c57-9a57-6d1f3c3c0a11';
const ACTOR: Actor = { type: 'api-key', id: 'k1', tenantId: 't1', scopes: ['system/*.cruds'] };

interface Call {
  op: string;
  type: string;
  id?: string;
  params?: SearchParams;
  cursor?: string;
  actor: Actor;
  tenantId: string;
}

function slot(id: string, start: string, schedule: string): Slot {
  const end = new Date(Date.parse(start) + 20 * 60_000).toISOString().replace('.000', '');
  return { resourceType: 'Slot', id, status: 'free', start, end, schedule: { reference: `Schedule/${schedule}` }, appointmentType: { text: 'Telehealth 20' } };
}

class FakeClinical {
  readonly calls: Call[] = [];
  readonly created: Resource[] = [];
  readonly store: Resource[] = [
    { resourceType: 'Patient', id: 'p1', identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'MRN1' }], name: [{ family: 'Smith', given: ['Jane'] }] },
    { resourceType: 'Patient', id: 'p2', name: [{ family: 'Jones', given: ['Al'] }] },
    { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'Heart rate' }, subject: { reference: 'Patient/p1' }, valueQuantity: { value: 72, unit: '/min' } },
    { resourceType: 'Observation', id: 'o9', status: 'final', code: { text: 'Heart rate' }, subject: { reference: 'Patient/p2' }, valueQuantity: { value: 90, unit: '/min' } },
    // athena-shaped open slots: schedules a-{practice}.schedule-{department}-{provider}, listed out of order
    slot('a-1.slot-3', '2025-03-02T16:00:00Z', 'a-1.schedule-150-7'),
    slot('a-1.slot-1', '2025-03-01T14:00:00Z', 'a-1.schedule-1-7'),
    slot('a-1.slot-2', '2025-03-01T15:00:00Z', 'a-1.schedule-1'),
    { ...slot('a-1.slot-4', '2025-03-01T17:00:00Z', 'a-1.schedule-1-7'), status: 'busy-unavailable' } as Resource,
  ];

  capabilityStatement(): Promise<CapabilityStatement> {
    return Promise.resolve({
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2025-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'search-type' }], searchParam: [{ name: '_id', type: 'token' }] }] }],
    });
  }

  read(actor: Actor, tenantId: string, _c: string, type: ClinicalResourceType, id: string): Promise<Resource> {
    this.calls.push({ op: 'read', type, id, actor, tenantId });
    const hit = this.store.find((r) => r.resourceType === type && r.id === id);
    return hit ? Promise.resolve(hit) : Promise.reject(notFound('Resource'));
  }

  search(actor: Actor, tenantId: string, _c: string, type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    this.calls.push({ op: 'search', type, params, actor, tenantId, ...(cursor ? { cursor } : {}) });
    if (type === 'Appointment') return Promise.reject(new SbError(ErrorCode.NotSupported, 'This connection does not support that interaction'));
    // A cursor taken from p2's search returns p2's data, whatever the parent.
    const patient = cursor === 'cursor-of-p2' ? 'p2' : params.patient?.[0];
    const ids = params._id?.[0]?.split(',');
    const resources = this.store.filter(
      (r) =>
        r.resourceType === type &&
        (!ids || ids.includes(r.id ?? '')) &&
        (!patient || (r as { subject?: { reference?: string } }).subject?.reference === `Patient/${patient}`),
    );
    return Promise.resolve({ resources, warnings: [], nextCursor: type === 'Observation' ? 'next-1' : null });
  }

  create(actor: Actor, tenantId: string, _c: string, type: ClinicalResourceType, resource: Resource, idempotencyKey?: string): Promise<CreateOutcome> {
    this.calls.push({ op: `create${idempotencyKey ? ':key' : ''}`, type, actor, tenantId });
    this.created.push(resource);
    return Promise.resolve({ id: 'new-1', resource: null, replayed: false });
  }
}

let app: INestApplication;
let fake: FakeClinical;

beforeAll(async () => {
  const config = buildConfig({ SB_STATE_DIR: mkdtempSync(join(tmpdir(), 'sb-gql-clinical-')), SB_GRAPHQL_MAX_COMPLEXITY: '1000', SB_GRAPHQL_MAX_DEPTH: '8' });
  const moduleRef = await Test.createTestingModule({
    imports: [GraphQLModule.forRoot(graphqlOptions(config))],
    providers: [
      ClinicalResolver,
      // Each test gets a fresh fake behind the one provider.
      {
        provide: ClinicalService,
        useValue: {
          capabilityStatement: () => fake.capabilityStatement(),
          // CONN is an athena practice's connection (practice 1); any other id an Epic one.
          connection: (_tenantId: string, id: string) =>
            Promise.resolve(
              id === CONN
                ? { id, vendor: 'athena', environment: 'sandbox', athenaPracticeId: '1', athenaBaseUrl: null, tokenUrl: null }
                : { id, vendor: 'epic', environment: 'sandbox', athenaPracticeId: null, athenaBaseUrl: null, tokenUrl: null },
            ),
          read: (...a: Parameters<FakeClinical['read']>) => fake.read(...a),
          search: (...a: Parameters<FakeClinical['search']>) => fake.search(...a),
          create: (...a: Parameters<FakeClinical['create']>) => fake.create(...a),
        },
      },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  // Stands in for the global guard, which authenticates root fields only.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    (req as Request & { user: Actor }).user = ACTOR;
    next();
  });
  await app.init();
});

beforeEach(() => {
  fake = new FakeClinical();
});

afterAll(async () => {
  await app.close();
});

interface GqlResult {
  data?: Record<string, any> | null;
  errors?: { message: string; path?: string[]; extensions: Record<string, unknown> }[];
}

async function gql(query: string, variables: Record<string, unknown> = {}, status = 200): Promise<GqlResult> {
  const res = await request(app.getHttpServer()).post('/graphql').send({ query, variables });
  expect(res.status).toBe(status);
  return res.body as GqlResult;
}

describe('ClinicalResolver', () => {
  it('reads a patient with friendly fields and the raw resource', async () => {
    const res = await gql(`query($c: ID!) { patient(connectionId: $c, id: "p1") { id mrn name family given resource } }`, { c: CONN });
    expect(res.errors).toBeUndefined();
    expect(res.data?.patient).toMatchObject({ id: 'p1', mrn: 'MRN1', name: 'Jane Smith', family: 'Smith', given: ['Jane'], resource: { resourceType: 'Patient', id: 'p1' } });
    expect(fake.calls).toMatchObject([{ op: 'read', type: 'Patient', id: 'p1', tenantId: 't1', actor: ACTOR }]);
  });

  it('batches sibling patient reads into one _id search', async () => {
    const res = await gql(`query($c: ID!) { a: patient(connectionId: $c, id: "p1") { id } b: patient(connectionId: $c, id: "p2") { id } }`, { c: CONN });
    expect(res.data).toEqual({ a: { id: 'p1' }, b: { id: 'p2' } });
    expect(fake.calls).toMatchObject([{ op: 'search', type: 'Patient', params: { _id: ['p1,p2'] } }]);
  });

  it('resolves nested observations for the parent patient with the actor, de-duplicating identical ones', async () => {
    const res = await gql(
      `query($c: ID!) { patient(connectionId: $c, id: "p1") {
        obs: observations(category: "vital-signs", first: 5) { nodes { id valueWithUnit display } pageInfo { hasNextPage endCursor } }
        again: observations(category: "vital-signs", first: 5) { nodes { id } }
      } }`,
      { c: CONN },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.patient.obs).toEqual({ nodes: [{ id: 'o1', valueWithUnit: '72 /min', display: 'Heart rate' }], pageInfo: { hasNextPage: true, endCursor: 'next-1' } });
    const searches = fake.calls.filter((c) => c.op === 'search');
    expect(searches).toEqual([
      { op: 'search', type: 'Observation', params: { category: ['vital-signs'], patient: ['p1'], _count: ['5'] }, actor: ACTOR, tenantId: 't1' },
    ]);
  });

  it('renders nested errors with extensions.code and keeps the rest of the patient', async () => {
    const res = await gql(`query($c: ID!) { patient(connectionId: $c, id: "p1") { id appointments { nodes { id } } } }`, { c: CONN });
    expect(res.data?.patient).toEqual({ id: 'p1', appointments: null });
    expect(res.errors?.[0]).toMatchObject({ path: ['patient', 'appointments'], extensions: { code: 'not_supported' } });
  });

  it('refuses a cursor from another patient’s search', async () => {
    const res = await gql(`query($c: ID!) { patient(connectionId: $c, id: "p1") { observations(after: "cursor-of-p2") { nodes { id } } } }`, { c: CONN });
    expect(res.data?.patient.observations).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'after' }] });
  });

  it('maps unknown and malformed ids to not_found, bad arguments to validation_failed', async () => {
    expect((await gql(`query($c: ID!) { patient(connectionId: $c, id: "zzz") { id } }`, { c: CONN })).errors?.[0]?.extensions.code).toBe('not_found');
    expect((await gql(`{ patient(connectionId: "nope", id: "p1") { id } }`)).errors?.[0]?.extensions.code).toBe('not_found');
    expect((await gql(`query($c: ID!) { patient(connectionId: $c, id: "a/b") { id } }`, { c: CONN })).errors?.[0]?.extensions.code).toBe('not_found');
    const noCriteria = await gql(`query($c: ID!) { searchPatients(connectionId: $c) { nodes { id } } }`, { c: CONN });
    expect(noCriteria.errors?.[0]?.extensions.code).toBe('validation_failed');
    const tooMany = await gql(`query($c: ID!) { searchPatients(connectionId: $c, family: "S", first: 0) { nodes { id } } }`, { c: CONN });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'first' }] });
    expect(fake.calls).toHaveLength(1);
  });

  it('searches patients with the given criteria', async () => {
    const res = await gql(`query($c: ID!) { searchPatients(connectionId: $c, family: "Smith", first: 10) { nodes { id name } pageInfo { hasNextPage endCursor } } }`, { c: CONN });
    expect(res.errors).toBeUndefined();
    expect(res.data?.searchPatients).toEqual({ nodes: [{ id: 'p1', name: 'Jane Smith' }, { id: 'p2', name: 'Al Jones' }], pageInfo: { hasNextPage: false, endCursor: null } });
    expect(fake.calls).toMatchObject([{ op: 'search', type: 'Patient', params: { family: ['Smith'], _count: ['10'] } }]);
  });

  it('createNote builds a US Core note and returns its id and decoded text', async () => {
    const res = await gql(`mutation($c: ID!) { createNote(connectionId: $c, patientId: "p1", text: "Seen today.", title: "Visit", encounterId: "e1") { id text type category status } }`, {
      c: CONN,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.createNote).toEqual({ id: 'new-1', text: 'Seen today.', type: 'Progress note', category: 'clinical-note', status: 'current' });
    const note = fake.created[0] as DocumentReference;
    expect(note).toMatchObject({ resourceType: 'DocumentReference', subject: { reference: 'Patient/p1' }, context: { encounter: [{ reference: 'Encounter/e1' }] } });
    expect(note.date).toEqual(expect.any(String));
    expect(fake.calls).toMatchObject([{ op: 'create', type: 'DocumentReference', actor: ACTOR, tenantId: 't1' }]);
  });

  it('createNote with an idempotency key sends the same request each time (no date)', async () => {
    const q = `mutation($c: ID!) { createNote(connectionId: $c, patientId: "p1", text: "x", idempotencyKey: "k-1") { id } }`;
    await gql(q, { c: CONN });
    await gql(q, { c: CONN });
    expect(fake.created[0]).toEqual(fake.created[1]);
    expect(fake.created[0]).not.toHaveProperty('date');
    expect(fake.calls.map((c) => c.op)).toEqual(['create:key', 'create:key']);
  });

  it('bookAppointment validates the times and books', async () => {
    const bad = await gql(`mutation($c: ID!) { bookAppointment(connectionId: $c, patientId: "p1", start: "2025-03-01T15:00:00Z", end: "2025-03-01T14:00:00Z") { id } }`, { c: CONN });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'end' }] });
    const noZone = await gql(`mutation($c: ID!) { bookAppointment(connectionId: $c, patientId: "p1", start: "2025-03-01T15:00", end: "2025-03-01T16:00:00Z") { id } }`, { c: CONN });
    expect(noZone.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'start' }] });
    const res = await gql(
      `mutation($c: ID!) { bookAppointment(connectionId: $c, patientId: "p1", practitionerId: "dr1", start: "2025-03-01T14:30:00Z", end: "2025-03-01T15:00:00Z") { id status start participants } }`,
      { c: CONN },
    );
    expect(res.data?.bookAppointment).toEqual({ id: 'new-1', status: 'booked', start: '2025-03-01T14:30:00Z', participants: ['Patient/p1', 'Practitioner/dr1'] });
  });

  it('openSlots searches Slot from…to, earliest first, free slots only, at most first', async () => {
    const res = await gql(`query($c: ID!) { openSlots(connectionId: $c, from: "2025-03-01", to: "2025-03-15", first: 2) { id status start end minutesDuration appointmentType schedule } }`, {
      c: CONN,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.openSlots).toEqual([
      { id: 'a-1.slot-1', status: 'free', start: '2025-03-01T14:00:00Z', end: '2025-03-01T14:20:00Z', minutesDuration: 20, appointmentType: 'Telehealth 20', schedule: 'Schedule/a-1.schedule-1-7' },
      { id: 'a-1.slot-2', status: 'free', start: '2025-03-01T15:00:00Z', end: '2025-03-01T15:20:00Z', minutesDuration: 20, appointmentType: 'Telehealth 20', schedule: 'Schedule/a-1.schedule-1' },
    ]);
    expect(fake.calls).toEqual([{ op: 'search', type: 'Slot', params: { start: ['ge2025-03-01', 'lt2025-03-15'], _count: ['2'] }, actor: ACTOR, tenantId: 't1' }]);
  });

  it('openSlots for a department asks the EHR for that department’s schedule (every provider in it), and validates its arguments before any call', async () => {
    const res = await gql(`query($c: ID!) { openSlots(connectionId: $c, from: "2025-03-01T00:00:00Z", to: "2025-03-15", departmentId: "150") { id } }`, { c: CONN });
    expect(res.errors).toBeUndefined();
    expect(fake.calls).toEqual([
      { op: 'search', type: 'Slot', params: { start: ['ge2025-03-01T00:00:00Z', 'lt2025-03-15'], _count: ['50'], schedule: ['a-1.schedule-150'] }, actor: ACTOR, tenantId: 't1' },
    ]);
    const epic = await gql(`query($c: ID!) { openSlots(connectionId: $c, from: "2025-03-01", to: "2025-03-15", departmentId: "1") { id } }`, {
      c: '0b9a3a52-7d3e-4c4e-8f6a-2a1b3c4d5e6f',
    });
    expect(epic.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'departmentId' }] });
    fake.calls.length = 0;
    for (const [args, path] of [
      ['from: "2025-03-10", to: "2025-03-01"', 'to'],
      ['from: "March 1", to: "2025-03-15"', 'from'],
      ['from: "2025-03-01", to: "2025-03-15T10:00"', 'to'],
      ['from: "2025-03-01", to: "2025-03-15", departmentId: "east"', 'departmentId'],
      ['from: "2025-03-01", to: "2025-03-15", first: 500', 'first'],
    ]) {
      const bad = await gql(`query($c: ID!) { openSlots(connectionId: $c, ${args}) { id } }`, { c: CONN });
      expect([args, bad.errors?.[0]?.extensions]).toEqual([args, expect.objectContaining({ code: 'validation_failed', issues: [expect.objectContaining({ path })] })]);
    }
    expect(fake.calls).toEqual([]);
  });

  it('bookAppointment books a slot for a patient (time from the slot), idempotently with a key', async () => {
    const q = `mutation($c: ID!) { bookAppointment(connectionId: $c, slotId: "a-1.slot-1", patientId: "a-1.E-5", idempotencyKey: "book-1") { id status } }`;
    const res = await gql(q, { c: CONN });
    expect(res.errors).toBeUndefined();
    expect(res.data?.bookAppointment).toEqual({ id: 'new-1', status: 'booked' });
    expect(fake.created[0]).toEqual({
      resourceType: 'Appointment',
      status: 'booked',
      slot: [{ reference: 'Slot/a-1.slot-1' }],
      participant: [{ actor: { reference: 'Patient/a-1.E-5' }, required: 'required', status: 'accepted' }],
    });
    expect(fake.calls).toMatchObject([{ op: 'create:key', type: 'Appointment', actor: ACTOR, tenantId: 't1' }]);

    const neither = await gql(`mutation($c: ID!) { bookAppointment(connectionId: $c, patientId: "p1") { id } }`, { c: CONN });
    expect(neither.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'start', message: 'required without slotId' }] });
    const badSlot = await gql(`mutation($c: ID!) { bookAppointment(connectionId: $c, slotId: "a/b", patientId: "p1") { id } }`, { c: CONN });
    expect(badSlot.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'slotId' }] });
    const halfTime = await gql(`mutation($c: ID!) { bookAppointment(connectionId: $c, slotId: "s1", patientId: "p1", start: "2025-03-01T14:00:00Z") { id } }`, { c: CONN });
    expect(halfTime.errors?.[0]?.extensions).toMatchObject({ code: 'validation_failed', issues: [{ path: 'end' }] });
    expect(fake.created).toHaveLength(1);
  });

  it('refuses fan-out beyond the complexity limit before any call', async () => {
    const res = await gql(
      `query($c: ID!) { searchPatients(connectionId: $c, family: "S", first: 100) { nodes { observations(first: 100) { nodes { id } } } } }`,
      { c: CONN },
      400,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'query_too_complex' });
    expect(fake.calls).toHaveLength(0);
  });
});
