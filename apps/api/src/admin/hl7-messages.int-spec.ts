import type { INestApplication } from '@nestjs/common';
import { ConnectionService } from '@sb/connections';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { AuditService } from '@sb/audit';
import type { Connection } from '@sb/db';
import { Hl7InboundProcessor } from '@sb/hl7-processing';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { InboundHandler } from '../../../mllp/src/inbound-handler';
import { MllpModule } from '../../../mllp/src/mllp.module';
import { AppModule } from '../app.module';

// Synthetic messages (no real people), HL7 v2.5.1, received through the real MLLP inbound handler.
const msh = (facility: string, type: string, controlId: string) => `MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||${type}|${controlId}|P|2.5.1`;
const pid = (ids: string) => `PID|1||${ids}||Synthetic^Person||19800203|F`;
const adt = (facility: string, trigger: string, controlId: string, ids: string) => [msh(facility, `ADT^${trigger}^ADT_A01`, controlId), `EVN|${trigger}`, pid(ids), 'PV1|1|I|WARD^101^1'].join('\r');
const oru = (facility: string, controlId: string, ids: string) =>
  [
    msh(facility, 'ORU^R01^ORU_R01', controlId),
    pid(ids),
    `OBR|1|PL${controlId}|FL${controlId}|24323-8^Comprehensive metabolic panel^LN|||20261120090000|||||||||||||||20261120100000|||F`,
    'OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L^mmol/L^UCUM|3.9-6.1|N|||F|||20261120090000',
  ].join('\r');
/** An ORU without OBR: refused at receipt with 101 (required segment missing), and kept as `rejected`. */
const brokenOru = (facility: string, controlId: string, ids: string) => [msh(facility, 'ORU^R01^ORU_R01', controlId), pid(ids)].join('\r');

const redisPrefix = testRedisPrefix('hl7-messages-api');
const run = randomUUID().slice(0, 8);
const MRN_1 = `MRN1-${run}`;
const MRN_2 = `MRN2-${run}`;
const SSN_1 = `999-${run}`;

let app: INestApplication;
let connA: Connection;
let connB: Connection;
let keyA: string;
let keyB: string;
/** Admin scopes but no clinical scope: may list the log, never search it by patient. */
let adminOnlyKey: string;
let adminToken: string;
const ids: Record<string, string> = {};
const control: Record<string, string> = {};
let betweenFirstAndLast: Date;
/** Every response body, checked at the end for identifiers that must never be echoed. */
const bodies: string[] = [];

async function get(path: string, token: string) {
  const res = await request(app.getHttpServer()).get(path).set('authorization', `Bearer ${token}`);
  bodies.push(res.text);
  return res;
}
/** The message log: filters in the query string, or in a search body when a patient identifier (PHI) is among them. */
async function messages(token: string, query: Record<string, string> = {}, connection = connA) {
  if (!('patientIdentifier' in query)) return get(`/v1/connections/${connection.id}/hl7/messages?${new URLSearchParams(query).toString()}`, token);
  const res = await request(app.getHttpServer()).post(`/v1/connections/${connection.id}/hl7/messages/search`).set('authorization', `Bearer ${token}`).send(query);
  bodies.push(res.text);
  return res;
}
const idsOf = (res: { body: { items: { id: string }[] } }) => res.body.items.map((i) => i.id);

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule, MllpModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  adminToken = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const connections = app.get(ConnectionService);
  connA = await connections.create(a.tenant.id, { name: 'Site A', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `A-${run}`, mllpTls: false, hl7AckMode: 'original' });
  connB = await connections.create(b.tenant.id, { name: 'Site B', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `B-${run}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'all' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'all' })).key;
  adminOnlyKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'admin only', scopes: ['admin:connections'] })).key;

  const handler = app.get(InboundHandler);
  const send = async (name: string, text: string, connection = connA) => {
    const ack = await handler.handle(Buffer.from(text, 'utf8'));
    expect(ack).toContain(name === 'broken' ? 'MSA|AE' : 'MSA|AA');
    control[name] = text.split('\r')[0]!.split('|')[9]!;
    const page = await messages(connection === connA ? keyA : keyB, { controlId: control[name] }, connection);
    ids[name] = page.body.items[0].id;
  };
  await send('admit', adt(connA.hl7SendingFacility!, 'A01', `adm-${run}`, `${MRN_1}^^^HOSP^MR~${SSN_1}^^^SSA^SS`));
  await send('result', oru(connA.hl7SendingFacility!, `oru-${run}`, `${MRN_2}^^^HOSP^MR`));
  await sleep(50);
  betweenFirstAndLast = new Date();
  await sleep(50);
  await send('update', adt(connA.hl7SendingFacility!, 'A08', `upd-${run}`, `${MRN_1}^^^HOSP^MR`));
  await send('broken', brokenOru(connA.hl7SendingFacility!, `bad-${run}`, `${MRN_2}^^^HOSP^MR`));
  // Tenant B has a patient with the same MRN: its messages must never show up for A.
  await send('otherTenant', adt(connB.hl7SendingFacility!, 'A01', `adm-${run}`, `${MRN_1}^^^HOSP^MR`), connB);
  const processor = app.get(Hl7InboundProcessor);
  while ((await processor.processBatch()) > 0);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GET /v1/connections/{id}/hl7/messages filters', () => {
  it('lists newest first with each error code’s meaning', async () => {
    const res = await messages(keyA);
    expect(res.status).toBe(200);
    expect(idsOf(res)).toEqual([ids.broken, ids.update, ids.result, ids.admit]);
    const broken = res.body.items[0];
    expect(broken).toMatchObject({ status: 'rejected', errorCode: '101' });
    expect(broken.errorMeaning).toMatch(/^Required field missing/);
    expect(res.body.items[1]).toMatchObject({ status: 'processed', errorCode: null, errorMeaning: null });
  });

  it('filters by control id (MSH-10, exact)', async () => {
    expect(idsOf(await messages(keyA, { controlId: control.result! }))).toEqual([ids.result]);
    expect(idsOf(await messages(keyA, { controlId: control.result!.toUpperCase() }))).toEqual([]);
    expect(idsOf(await messages(keyA, { controlId: control.result!.slice(0, -1) }))).toEqual([]);
  });

  it('filters by received-at range, inclusive, combined with other filters', async () => {
    expect(idsOf(await messages(keyA, { from: betweenFirstAndLast.toISOString() }))).toEqual([ids.broken, ids.update]);
    expect(idsOf(await messages(keyA, { to: betweenFirstAndLast.toISOString() }))).toEqual([ids.result, ids.admit]);
    expect(idsOf(await messages(keyA, { from: betweenFirstAndLast.toISOString(), status: 'processed' }))).toEqual([ids.update]);
    const at = (await messages(keyA, { controlId: control.update! })).body.items[0].receivedAt as string;
    expect(idsOf(await messages(keyA, { from: at, to: at }))).toEqual([ids.update]);
    const offset = new Date(at).toISOString().replace('Z', '+00:00');
    expect(idsOf(await messages(keyA, { from: offset, to: offset }))).toEqual([ids.update]);
  });

  it('finds a patient’s messages by any identifier value, any case, and pages through them', async () => {
    expect(idsOf(await messages(keyA, { patientIdentifier: MRN_1 }))).toEqual([ids.update, ids.admit]);
    expect(idsOf(await messages(keyA, { patientIdentifier: ` ${MRN_1.toLowerCase()} ` }))).toEqual([ids.update, ids.admit]);
    expect(idsOf(await messages(keyA, { patientIdentifier: SSN_1 }))).toEqual([ids.admit]);
    expect(idsOf(await messages(keyA, { patientIdentifier: MRN_2 }))).toEqual([ids.broken, ids.result]);
    expect(idsOf(await messages(keyA, { patientIdentifier: MRN_2, status: 'rejected' }))).toEqual([ids.broken]);
    expect(idsOf(await messages(keyA, { patientIdentifier: `${MRN_1}X` }))).toEqual([]);
    const first = await messages(keyA, { patientIdentifier: MRN_1, limit: '1' });
    expect(idsOf(first)).toEqual([ids.update]);
    expect(idsOf(await messages(keyA, { patientIdentifier: MRN_1, limit: '1', before: first.body.next }))).toEqual([ids.admit]);
  });

  it('audits a patient-identifier search as a Patient search, per patient found', async () => {
    await messages(keyA, { patientIdentifier: SSN_1 });
    const records = await app.get(AuditService).list(connA.tenantId, { limit: 1000 });
    const searches = records.filter((r) => r.operation === 'search' && r.resourceType === 'Patient' && r.connectionId === connA.id);
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.at(-1)?.patientRef).toMatch(/^Patient\/\S+$/);
  });

  it('refuses a patient-identifier search without a scope that searches Patient: 403 forbidden and no data', async () => {
    const res = await messages(adminOnlyKey, { patientIdentifier: MRN_1 });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect(res.body).not.toHaveProperty('items');
    expect(res.text).not.toContain(ids.admit);
    // The same key lists the log without it.
    expect((await messages(adminOnlyKey)).status).toBe(200);
    // The operator has no tenant's patient data either.
    const op = await messages(adminToken, { patientIdentifier: MRN_1 });
    expect(op.status).toBe(403);
    expect(op.body).not.toHaveProperty('items');
  });

  it.each([
    ['from after to', { from: '2026-11-20T10:00:00Z', to: '2026-11-20T09:00:00Z' }, 'from'],
    ['a date without time', { from: '2026-11-20' }, 'from'],
    ['a bad date with a good one', { from: '2026-11-20', to: '2026-11-21T00:00:00Z' }, 'from'],
    ['not a date', { to: 'yesterday' }, 'to'],
    ['a blank patient identifier', { patientIdentifier: '   ' }, 'patientIdentifier'],
    ['an over-long patient identifier', { patientIdentifier: 'x'.repeat(200) }, 'patientIdentifier'],
    ['an empty control id', { controlId: '' }, 'controlId'],
    ['an unknown filter', { mrn: '1' }, '(body)'],
  ])('refuses %s with 400 validation_failed', async (_name, query, path) => {
    const res = await messages(keyA, query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('refuses a patient identifier in the URL (PHI never goes in a query string)', async () => {
    const res = await get(`/v1/connections/${connA.id}/hl7/messages?patientIdentifier=${MRN_1}`, keyA);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.text).not.toContain(MRN_1);
  });

  it('refuses a cursor beyond the bigint range as a bad cursor, and takes the largest one', async () => {
    const over = await messages(keyA, { before: '9223372036854775808' });
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('validation_failed');
    expect((await messages(keyA, { before: '9223372036854775807' })).status).toBe(200);
    expect((await messages(keyA, { before: '1.5' })).body.code).toBe('validation_failed');
  });

  it('validates before the PHI gate, and the gate before any lookup', async () => {
    const res = await messages(adminOnlyKey, { patientIdentifier: MRN_1, from: 'nope' });
    expect(res.status).toBe(400);
  });

  it('is tenant-scoped: tenant B gets 404 for A’s connection with any filter, and A never sees B’s same-MRN messages', async () => {
    const queries: Record<string, string>[] = [{}, { controlId: control.admit! }, { patientIdentifier: MRN_1 }, { from: '2020-01-01T00:00:00Z' }];
    for (const query of queries) {
      const res = await messages(keyB, query, connA);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect(idsOf(await messages(keyB, { patientIdentifier: MRN_1 }, connB))).toEqual([ids.otherTenant]);
    expect(idsOf(await messages(keyA, { patientIdentifier: MRN_1 }))).not.toContain(ids.otherTenant);
  });
});

describe('GET /v1/connections/{id}/hl7/messages/{messageId}', () => {
  it('returns the FHIR resources processing produced', async () => {
    const res = await get(`/v1/connections/${connA.id}/hl7/messages/${ids.result}`, keyA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids.result, status: 'processed', errorMeaning: null, raw: expect.stringContaining('OBR|1|') });
    const types = (res.body.resources as { resourceType: string }[]).map((r) => r.resourceType).sort();
    expect(types).toEqual(expect.arrayContaining(['DiagnosticReport', 'Observation', 'Patient']));
    const patient = (res.body.resources as { resourceType: string; identifier?: { value?: string }[] }[]).find((r) => r.resourceType === 'Patient');
    expect(patient?.identifier?.map((i) => i.value)).toContain(MRN_2);
  });

  it('returns a refused message’s error code with its meaning and no resources', async () => {
    const res = await get(`/v1/connections/${connA.id}/hl7/messages/${ids.broken}`, keyA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', errorCode: '101', resources: null });
    expect(res.body.errorMeaning).toMatch(/Required field missing/);
  });

  it('clears the produced resources when a message is reprocessed, and keeps it findable by identifier', async () => {
    const res = await request(app.getHttpServer()).post(`/v1/connections/${connA.id}/hl7/messages/${ids.admit}/reprocess`).set('authorization', `Bearer ${keyA}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: ids.admit, status: 'received' });
    expect(res.body).not.toHaveProperty('resources');
    expect((await get(`/v1/connections/${connA.id}/hl7/messages/${ids.admit}`, keyA)).body.resources).toBeNull();
    expect(idsOf(await messages(keyA, { patientIdentifier: SSN_1 }))).toEqual([ids.admit]);
    const processor = app.get(Hl7InboundProcessor);
    while ((await processor.processBatch()) > 0);
    expect((await get(`/v1/connections/${connA.id}/hl7/messages/${ids.admit}`, keyA)).body.resources).toEqual(expect.arrayContaining([expect.objectContaining({ resourceType: 'Patient' })]));
  });

  it('is tenant-scoped: tenant B gets 404 for A’s message', async () => {
    expect((await get(`/v1/connections/${connA.id}/hl7/messages/${ids.result}`, keyB)).status).toBe(404);
    expect((await get(`/v1/connections/${connB.id}/hl7/messages/${ids.result}`, keyB)).status).toBe(404);
  });
});

it('never echoes a patient identifier outside the PHI detail responses', () => {
  const listBodies = bodies.filter((b) => !b.includes('"raw"'));
  for (const value of [MRN_1, MRN_2, SSN_1]) expect(listBodies.filter((b) => b.includes(value))).toEqual([]);
});
