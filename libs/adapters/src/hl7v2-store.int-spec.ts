import type { TestingModule } from '@nestjs/testing';
import type { EhrAdapter } from '@sb/adapters/contracts';
import { AdapterRuntime, AdaptersModule } from './index';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { ClinicalStoreRepository, type Connection } from '@sb/db';
import { createTestingApp, Fixtures } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { toStoredResource } from '@sb/adapters/hl7v2';

const noCredentials = {
  signingKey: () => Promise.reject(new Error('not used')),
  clientSecret: () => Promise.reject(new Error('not used')),
};

const patient = (id: string, mrn: string, family: string, given: string, birthDate: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: 'urn:oid:1.2.3', value: mrn, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }],
  name: [{ family, given: [given] }],
  gender: 'female',
  birthDate,
});

const observation = (id: string, patientId: string, loinc: string, date: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: date,
  valueQuantity: { value: 5.4, unit: 'mmol/L' },
});

describe('hl7v2 adapter: FHIR reads and searches served from the connection store (real Postgres)', () => {
  let app: TestingModule;
  let store: ClinicalStoreRepository;
  let connection: Connection;
  let other: Connection;
  let adapter: EhrAdapter;
  const adapterFor = (c: Connection) => app.get(AdapterRuntime).adapterFor(c, noCredentials);

  beforeAll(async () => {
    app = await createTestingApp([AdaptersModule, TenancyModule, ConnectionsModule]);
    const fixtures = new Fixtures(app);
    const a = await fixtures.newTenant();
    const b = await fixtures.newTenant();
    const hl7 = (facility: string) => ({ name: 'Lab', vendor: 'hl7v2' as const, environment: 'sandbox' as const, hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' as const });
    connection = await app.get(ConnectionService).create(a.tenant.id, hl7(`A-${randomUUID().slice(0, 8)}`));
    other = await app.get(ConnectionService).create(b.tenant.id, hl7(`B-${randomUUID().slice(0, 8)}`));
    store = app.get(ClinicalStoreRepository);
    await store.save(a.tenant.id, connection.id, [
      patient('p1', 'MRN-1', 'Okafor', 'Ada', '1980-02-03'),
      patient('p2', 'MRN-2', 'Okamoto', 'Ben', '1990-12-30'),
      observation('o1', 'p1', '2345-7', '2026-01-05T10:00:00+00:00'),
      observation('o2', 'p1', '718-7', '2026-02-05T10:00:00+00:00'),
      observation('o3', 'p2', '2345-7', '2026-03-05T10:00:00+00:00'),
    ].map(toStoredResource));
    await store.save(b.tenant.id, other.id, [patient('p1', 'MRN-1', 'Elsewhere', 'Zed', '1970-01-01')].map(toStoredResource));
    adapter = adapterFor(connection);
  });

  afterAll(() => app.close());

  it('reads a stored resource, and 404s for an unknown id', async () => {
    const read = await adapter.read('Patient', 'p1');
    expect(read).toMatchObject({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Okafor' }] });
    await expect(adapter.read('Patient', 'nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('searches Patient by identifier with and without system, by name prefix and by birthdate', async () => {
    const ids = async (params: Record<string, string[]>) => (await adapter.search('Patient', params)).resources.map((r) => r.id).sort();
    expect(await ids({ identifier: ['MRN-2'] })).toEqual(['p2']);
    expect(await ids({ identifier: ['urn:oid:1.2.3|MRN-1'] })).toEqual(['p1']);
    expect(await ids({ identifier: ['urn:oid:9.9|MRN-1'] })).toEqual([]);
    expect(await ids({ name: ['oka'] })).toEqual(['p1', 'p2']);
    expect(await ids({ family: ['Okaf'] })).toEqual(['p1']);
    expect(await ids({ name: ['oka'], birthdate: ['1990-12-30'] })).toEqual(['p2']);
    expect(await ids({ name: ['oka'], birthdate: ['lt1985'] })).toEqual(['p1']);
  });

  it('searches Observation by patient, code (with or without system, comma = any of) and date, paging with a sealed cursor', async () => {
    const ids = async (params: Record<string, string[]>) => (await adapter.search('Observation', params)).resources.map((r) => r.id).sort();
    expect(await ids({ patient: ['p1'] })).toEqual(['o1', 'o2']);
    expect(await ids({ patient: ['Patient/p1'], code: ['http://loinc.org|718-7'] })).toEqual(['o2']);
    expect(await ids({ patient: ['p1'], code: ['718-7,2345-7'] })).toEqual(['o1', 'o2']);
    expect(await ids({ patient: ['p1'], category: ['laboratory'], date: ['ge2026-02'] })).toEqual(['o2']);
    const first = await adapter.search('Observation', { patient: ['p1'], _count: ['1'] });
    expect(first.resources).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await adapter.search('Observation', {}, first.nextCursor ?? undefined);
    expect(second.resources.map((r) => r.id)).toEqual(['o2']);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses parameters the store cannot answer, and types HL7 v2 sites do not fill', async () => {
    await expect(adapter.search('Observation', { patient: ['p1'], date: ['sa2026'] })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(adapter.read('Practitioner', 'x')).rejects.toMatchObject({ code: 'not_supported' });
  });

  it('never serves another tenant’s store, even for the same resource id', async () => {
    expect(((await adapter.read('Patient', 'p1')) as { name?: unknown }).name).toEqual([{ family: 'Okafor', given: ['Ada'] }]);
    expect(((await adapterFor(other).read('Patient', 'p1')) as { name?: unknown }).name).toEqual([{ family: 'Elsewhere', given: ['Zed'] }]);
    expect((await adapterFor(other).search('Observation', { patient: ['p1'] })).resources).toEqual([]);
  });

  it('writes nothing for a resource sent again unchanged, or thinner than what is stored: same version, same row', async () => {
    const { tenantId, id } = connection;
    const ada = patient('p3', 'MRN-3', 'Nakamura', 'Ada', '1985-05-06');
    await store.save(tenantId, id, [toStoredResource(ada)]);
    const first = await store.find(tenantId, id, 'Patient', 'p3');
    await store.save(tenantId, id, [toStoredResource(ada)]);
    // Thinner: the merge would keep every stored field, and its one identifier is stored already.
    await store.save(tenantId, id, [toStoredResource({ resourceType: 'Patient', id: 'p3', identifier: ada.identifier, gender: 'female' })]);
    const again = await store.find(tenantId, id, 'Patient', 'p3');
    expect(again).toEqual(first);
    expect(first?.versionId).toBe(1);

    // One changed field, one new identifier: each a new version.
    await store.save(tenantId, id, [toStoredResource({ ...ada, gender: 'other' })]);
    expect(await store.find(tenantId, id, 'Patient', 'p3')).toMatchObject({ versionId: 2, resource: { gender: 'other' } });
    await store.save(tenantId, id, [toStoredResource({ resourceType: 'Patient', id: 'p3', identifier: [{ system: 'urn:oid:9.9', value: 'X-3' }] })]);
    expect((await store.find(tenantId, id, 'Patient', 'p3'))?.versionId).toBe(3);
    // That thinner write carried no name: the kept name is still what a name search finds.
    expect((await adapter.search('Patient', { identifier: ['urn:oid:9.9|X-3'] })).resources.map((r) => r.id)).toEqual(['p3']);
    expect((await adapter.search('Patient', { family: ['nakamura'] })).resources.map((r) => r.id)).toEqual(['p3']);
  });

  it('merges a later, thinner write into the stored resource and bumps its version', async () => {
    const { tenantId, id } = connection;
    await store.save(tenantId, id, [toStoredResource({ resourceType: 'Patient', id: 'p2', identifier: [{ system: 'urn:oid:1.2.3', value: 'MRN-2' }], name: [{ family: 'Okamoto-Reyes', given: ['Ben'] }] })]);
    const found = await store.find(tenantId, id, 'Patient', 'p2');
    expect(found?.resource).toMatchObject({ birthDate: '1990-12-30', gender: 'female', name: [{ family: 'Okamoto-Reyes' }] });
    expect(found?.versionId).toBe(2);
    expect((await adapter.search('Patient', { family: ['okamoto-reyes'] })).resources.map((r) => r.id)).toEqual(['p2']);
  });
});
