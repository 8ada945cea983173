import type { INestApplication } from '@nestjs/common';
import { BulkExportRunner } from '@sb/bulk-export';
import { ClinicalStoreRepository, ConnectionRepository, Database, PrismaService, type Connection, type StoredResource } from '@sb/db';
import { OBJECT_STORAGE, type ObjectStorage } from '@sb/storage';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('bulk-export');
const PUBLIC_URL = 'http://gateway.test';
const ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };

let app: INestApplication;
let runner: BulkExportRunner;
let storage: ObjectStorage;
let prisma: PrismaService;
let keyA: string;
let keyB: string;
/** Tenant A's key that may read Patients only. */
let patientsOnly: string;
let hl7: Connection;
let epic: Connection;
const bodies: string[] = [];

const server = () => request(app.getHttpServer());
const pathOf = (url: string): string => url.slice(PUBLIC_URL.length);
const get = async (url: string, token: string | null, headers: Record<string, string> = {}) => {
  const req = server().get(url.startsWith('http') ? pathOf(url) : url).set(headers);
  const res = await (token ? req.set('authorization', `Bearer ${token}`) : req);
  bodies.push(res.text ?? '');
  return res;
};
const kickOff = (path: string, token: string, headers: Record<string, string> = ASYNC) => get(`/fhir/r4/${hl7.id}${path}`, token, headers);

const labCategory = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }];
const vitalCategory = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];
const stored = (resource: Record<string, unknown> & { resourceType: string; id: string }, patientId: string | null): StoredResource => ({
  resourceType: resource.resourceType,
  id: resource.id,
  patientId,
  identifiers: [],
  nameTokens: [],
  searchDate: null,
  resource,
});

/** Runs the worker's export loop until nothing is due (the test plays the worker). */
async function drain(): Promise<void> {
  for (let i = 0; i < 10 && (await runner.runDue()) > 0; i += 1);
}

/** The NDJSON lines of a manifest entry, downloaded as a client would. */
async function download(url: string, token: string | null): Promise<Record<string, any>[]> {
  const res = await get(url, token);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
  return res.text.trim().split('\n').filter(Boolean).map((line: string) => JSON.parse(line));
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix, SB_PUBLIC_URL: PUBLIC_URL });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  runner = app.get(BulkExportRunner);
  storage = app.get(OBJECT_STORAGE);
  prisma = app.get(PrismaService);
  const fixtures = new Fixtures(moduleRef);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'bulk a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'bulk b' })).key;
  patientsOnly = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'patients only', scopes: ['system/Patient.rs'] })).key;
  const connections = app.get(ConnectionRepository);
  const db = app.get(Database);
  hl7 = await db.transaction((tx) => connections.create(tx, a.tenant.id, { name: 'hl7 site', vendor: 'hl7v2', environment: 'production', status: 'live' }));
  epic = await db.transaction((tx) => connections.create(tx, a.tenant.id, { name: 'epic', vendor: 'epic', environment: 'sandbox', status: 'live', fhirBaseUrl: 'https://epic.example/api/FHIR/R4', bulkGroupIds: ['eGroupA'] }));
  const resources: StoredResource[] = [];
  for (const p of ['p1', 'p2', 'p3']) {
    resources.push(stored({ resourceType: 'Patient', id: p, gender: 'female' }, p));
    resources.push(stored({ resourceType: 'Observation', id: `${p}-lab`, status: 'final', category: labCategory, subject: { reference: `Patient/${p}` } }, p));
    resources.push(stored({ resourceType: 'Observation', id: `${p}-bp`, status: 'final', category: vitalCategory, subject: { reference: `Patient/${p}` } }, p));
  }
  resources.push(stored({ resourceType: 'Practitioner', id: 'dr1' }, null));
  await app.get(ClinicalStoreRepository).save(a.tenant.id, hl7.id, resources);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('Bulk Data $export on an HL7 v2 connection (materialized from the gateway store)', () => {
  let statusUrl: string;

  it('kicks off a group export: 202 with an absolute Content-Location on the gateway', async () => {
    const res = await kickOff('/Group/all-patients/$export?_type=Patient,Observation&_typeFilter=Observation%3Fcategory%3Dlaboratory', keyA);
    expect(res.status).toBe(202);
    statusUrl = res.headers['content-location'];
    expect(statusUrl).toMatch(new RegExp(`^${PUBLIC_URL}/fhir/r4/${hl7.id}/\\$export-status/[0-9a-f-]{36}$`));
  });

  it('answers 202 with a numeric X-Progress and Retry-After while it runs, and 429 to an identical kick-off', async () => {
    const res = await get(statusUrl, keyA);
    expect(res.status).toBe(202);
    expect(res.headers['x-progress']).toMatch(/^\d{1,3}% /);
    expect(res.headers['x-progress'].length).toBeLessThan(100);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const again = await kickOff('/Group/all-patients/$export?_type=Observation,Patient&_typeFilter=Observation%3Fcategory%3Dlaboratory', keyA);
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    expect(again.body.resourceType).toBe('OperationOutcome');
  });

  it('completes with a manifest whose files hold exactly the filtered resources, stamped with meta.source', async () => {
    await drain();
    const res = await get(statusUrl, keyA);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Date.parse(res.headers.expires)).toBeGreaterThan(Date.now());
    const manifest = res.body;
    expect(manifest).toMatchObject({ requiresAccessToken: true, error: [], request: `${PUBLIC_URL}/fhir/r4/${hl7.id}/Group/all-patients/$export?_type=Patient,Observation&_typeFilter=Observation%3Fcategory%3Dlaboratory` });
    expect(Number.isNaN(Date.parse(manifest.transactionTime))).toBe(false);
    expect(manifest.output.map((o: { type: string; count: number }) => [o.type, o.count]).sort()).toEqual([['Observation', 3], ['Patient', 3]]);
    for (const item of manifest.output) {
      expect(item.url.startsWith(`${PUBLIC_URL}/fhir/r4/${hl7.id}/`)).toBe(true);
      const lines = await download(item.url, keyA);
      expect(lines).toHaveLength(item.count);
      for (const line of lines) {
        expect(line.resourceType).toBe(item.type);
        expect(line.meta.source).toBe(`urn:switchboard:connection:${hl7.id}`);
        if (item.type === 'Observation') expect(line.category[0].coding[0].code).toBe('laboratory');
      }
    }
  });

  it('serves gzip to a client that accepts it, and the bytes decode to the same NDJSON', async () => {
    const manifest = (await get(statusUrl, keyA)).body;
    const url = pathOf(manifest.output[0].url);
    // superagent decodes gzip itself: the header and the compressed length prove what went over the wire.
    const zipped = await server().get(url).set('authorization', `Bearer ${keyA}`).set('accept-encoding', 'gzip');
    const plain = await server().get(url).set('authorization', `Bearer ${keyA}`).set('accept-encoding', 'identity');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(zipped.headers['content-length'])).toBeLessThan(Buffer.byteLength(plain.text));
    expect(zipped.text).toBe(plain.text);
    expect(plain.text.trim().split('\n')).toHaveLength(manifest.output[0].count);
  });

  it('meters one usage line per exported type with its count, and emits export.completed once', async () => {
    const exportId = statusUrl.split('/').pop() as string;
    const usage = await prisma.usageEvent.findMany({ where: { connectionId: hl7.id, operation: 'bulk-export' }, orderBy: { resourceType: 'asc' } });
    expect(usage.map((u) => [u.resourceType, u.units, u.billable, u.class])).toEqual([
      ['Observation', 3, true, 'bulk.resource'],
      ['Patient', 3, true, 'bulk.resource'],
    ]);
    const events = await prisma.event.findMany({ where: { connectionId: hl7.id, type: 'export.completed' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ exportId, status: 'completed', counts: { Observation: 3, Patient: 3 } });
  });

  it('is invisible to another tenant (404 on status, files and kick-off) and closed without a token (401)', async () => {
    const manifest = (await get(statusUrl, keyA)).body;
    expect((await get(statusUrl, keyB)).status).toBe(404);
    expect((await get(manifest.output[0].url, keyB)).status).toBe(404);
    expect((await kickOff('/Group/all-patients/$export', keyB)).status).toBe(404);
    expect((await get(statusUrl, null)).status).toBe(401);
    expect((await get(manifest.output[0].url, null)).status).toBe(401);
  });

  it('lists the connection’s exports for its tenant only', async () => {
    const exportId = statusUrl.split('/').pop() as string;
    const list = await get(`/v1/connections/${hl7.id}/bulk-exports`, keyA);
    expect(list.status).toBe(200);
    expect(list.body.items.find((e: { id: string }) => e.id === exportId)).toMatchObject({ status: 'completed', level: 'group', groupId: 'all-patients', statusUrl, counts: { Observation: 3, Patient: 3 }, resourceCount: 6 });
    expect((await get(`/v1/connections/${hl7.id}/bulk-exports`, keyB)).status).toBe(404);
  });

  it('lets a credential download only the types it may read, and cancel only what it could have started', async () => {
    const manifest = (await get(statusUrl, keyA)).body;
    const urlOf = (type: string) => manifest.output.find((o: { type: string }) => o.type === type).url;
    expect((await get(urlOf('Patient'), patientsOnly)).status).toBe(200);
    const refused = await get(urlOf('Observation'), patientsOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect((await server().delete(pathOf(statusUrl)).set('authorization', `Bearer ${patientsOnly}`)).status).toBe(403);
    expect((await kickOff('/Group/all-patients/$export?_type=Observation', patientsOnly)).status).toBe(403);
  });

  it('cancels with DELETE: 202, then 404, and the files are deleted', async () => {
    const manifest = (await get(statusUrl, keyA)).body;
    const del = await server().delete(pathOf(statusUrl)).set('authorization', `Bearer ${keyA}`);
    expect(del.status).toBe(202);
    const after = await get(statusUrl, keyA);
    expect(after.status).toBe(404);
    expect(after.body.resourceType).toBe('OperationOutcome');
    await drain();
    const exportId = statusUrl.split('/').pop() as string;
    const files = await prisma.bulkExportFile.findMany({ where: { exportId } });
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(await storage.exists(f.objectKey)).toBe(false);
    expect((await get(manifest.output[0].url, keyA)).status).toBe(404);
    const audited = await prisma.auditRecord.findMany({ where: { objectRef: `BulkExport/${exportId}` }, orderBy: { occurredAt: 'asc' } });
    const operations = audited.map((r) => r.operation);
    expect(operations[0]).toBe('bulk-export.kick-off');
    expect(operations.at(-1)).toBe('bulk-export.cancel');
    expect(operations.filter((o) => o === 'bulk-export.download').length).toBeGreaterThanOrEqual(2);
  });
});

describe('Bulk Data kick-off rules and bad input', () => {
  const outcome = (res: request.Response) => {
    expect(res.body.resourceType).toBe('OperationOutcome');
    return res.body.issue as { diagnostics?: string; expression?: string[] }[];
  };

  it('refuses a kick-off without Prefer: respond-async, a bad _since, an unknown _type or _outputFormat', async () => {
    expect(outcome(await kickOff('/$export', keyA, { accept: 'application/fhir+json' }))[0]?.expression).toEqual(['Prefer']);
    for (const query of ['_since=yesterday', '_type=Spaceship', '_outputFormat=text/csv', 'patient=p1']) {
      const res = await kickOff(`/$export?${query}`, keyA);
      expect(res.status).toBe(400);
      outcome(res);
    }
    expect((await kickOff('/Group/unknown-group/$export', keyA)).status).toBe(404);
  });

  it('with Prefer: handling=lenient, runs and lists each ignored parameter in the manifest error file', async () => {
    const res = await kickOff('/Patient/$export?_type=Patient,Spaceship&_elements=id', keyA, { ...ASYNC, prefer: 'respond-async, handling=lenient' });
    expect(res.status).toBe(202);
    await drain();
    const manifest = (await get(res.headers['content-location'], keyA)).body;
    expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: 3 })]);
    expect(manifest.error).toHaveLength(1);
    const outcomes = await download(manifest.error[0].url, keyA);
    expect(outcomes.map((o) => o.issue[0].diagnostics.split(' ')[0]).sort()).toEqual(['_elements', '_type']);
  });

  it('accepts a POST kick-off with a Parameters body (patient references, _since)', async () => {
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Observation' },
        { name: 'patient', valueReference: { reference: 'Patient/p2' } },
        { name: '_since', valueInstant: '2000-01-01T00:00:00Z' },
      ],
    };
    const res = await server().post(`/fhir/r4/${hl7.id}/Patient/$export`).set({ ...ASYNC, authorization: `Bearer ${keyA}` }).send(body);
    expect(res.status).toBe(202);
    await drain();
    const manifest = (await get(res.headers['content-location'], keyA)).body;
    const lines = await download(manifest.output[0].url, keyA);
    expect(lines.map((l) => l.id).sort()).toEqual(['p2-bp', 'p2-lab']);
    const future = await kickOff('/$export?_type=Patient&_since=2999-01-01T00:00:00Z', keyA);
    await drain();
    expect((await get(future.headers['content-location'], keyA)).body.output).toEqual([]);
  });

  it('answers 429 to a client polling far faster than Retry-After says', async () => {
    const res = await kickOff('/$export?_type=Practitioner', keyA);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i += 1) statuses.push((await get(res.headers['content-location'], keyA)).status);
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses).toContain(429);
  });

  it('names the supported level when a vendor does not offer the one asked for (Epic: Group only)', async () => {
    const res = await get(`/fhir/r4/${epic.id}/Patient/$export`, keyA, ASYNC);
    expect(res.status).toBe(400);
    expect(outcome(res)[0]?.diagnostics).toBe('this connection supports: Group/[id]/$export');
    expect((await get(`/fhir/r4/${epic.id}/Group/eOther/$export`, keyA, ASYNC)).status).toBe(404);
    const groups = await get(`/fhir/r4/${epic.id}/Group`, keyA);
    expect(groups.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['eGroupA']);
    const epicMeta = (await get(`/fhir/r4/${epic.id}/metadata`, keyA)).body;
    const hl7Meta = (await get(`/fhir/r4/${hl7.id}/metadata`, keyA)).body;
    const definitions = (m: any) => [...(m.rest[0].operation ?? []), ...m.rest[0].resource.flatMap((r: any) => r.operation ?? [])].map((o: any) => o.definition).sort();
    expect(epicMeta.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    expect(definitions(epicMeta)).toEqual(['http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export']);
    expect(definitions(hl7Meta)).toEqual(['export', 'group-export', 'patient-export'].map((d) => `http://hl7.org/fhir/uv/bulkdata/OperationDefinition/${d}`));
  });
});

describe('signed file URLs and retention', () => {
  it('gives a tenant that chose signed URLs files reachable without a credential, for a short time and only unaltered', async () => {
    const tenantId = (await prisma.connection.findUniqueOrThrow({ where: { id: hl7.id } })).tenantId;
    const patched = await server().patch(`/v1/tenants/${tenantId}`).set('authorization', `Bearer ${keyA}`).send({ bulkSignedUrls: true });
    expect(patched.status).toBe(200);
    expect(patched.body.bulkSignedUrls).toBe(true);
    try {
      const res = await kickOff('/$export?_type=Patient', keyA);
      await drain();
      const manifest = (await get(res.headers['content-location'], keyA)).body;
      expect(manifest.requiresAccessToken).toBe(false);
      const url: string = manifest.output[0].url;
      expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/fhir/r4/${hl7.id}/\\$export-signed/.+\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
      const expires = Number(new URL(url).searchParams.get('expires'));
      expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(300_000);
      const lines = await download(url, null);
      expect(lines).toHaveLength(3);
      const signature = new URL(url).searchParams.get('signature') ?? '';
      const altered = url.replace(signature, `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);
      expect((await get(altered, null)).status).toBe(403);
      expect((await get(url.replace(/expires=\d+/, `expires=${expires + 60}`), null)).status).toBe(403);
      await new Promise((r) => setTimeout(r, 1100));
      const again = (await get(res.headers['content-location'], keyA)).body;
      expect(again.output[0].url).not.toBe(url);
      expect(await download(again.output[0].url, null)).toHaveLength(3);
    } finally {
      await server().patch(`/v1/tenants/${tenantId}`).set('authorization', `Bearer ${keyA}`).send({ bulkSignedUrls: false });
    }
  });

  it('deletes files past retention: the status URL then answers 404 and storage holds nothing of it', async () => {
    const res = await kickOff('/$export?_type=Practitioner,Patient', keyA);
    await drain();
    const statusUrl: string = res.headers['content-location'];
    expect((await get(statusUrl, keyA)).status).toBe(200);
    const exportId = statusUrl.split('/').pop() as string;
    const files = await prisma.bulkExportFile.findMany({ where: { exportId } });
    expect(files.length).toBe(2);
    await prisma.bulkExport.update({ where: { id: exportId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await drain();
    expect((await get(statusUrl, keyA)).status).toBe(404);
    for (const f of files) expect(await storage.exists(f.objectKey)).toBe(false);
  });
});

describe('nothing sensitive in responses', () => {
  it('never echoes a patient id or a credential in an error', () => {
    const errors = bodies.filter((b) => b.includes('OperationOutcome'));
    expect(errors.length).toBeGreaterThan(5);
    for (const text of errors) {
      expect(text).not.toContain(keyA);
      expect(text).not.toMatch(/Patient\/p\d/);
    }
  });
});
