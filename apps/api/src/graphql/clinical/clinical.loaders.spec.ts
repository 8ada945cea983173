import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import type { ClinicalResourceType, SearchPage, SearchParams } from '@sb/adapters/contracts';
import { ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import { ClinicalLoaders, clinicalLoadersOf, clinicalSourceFor, type ClinicalSource } from './clinical.loaders';

const CONN = 'c1';

/** An in-memory EHR that records every call the loaders make. */
class FakeSource implements ClinicalSource {
  readonly calls: { op: 'read' | 'search'; type: string; id?: string; params?: SearchParams; cursor?: string }[] = [];
  batchable = true;
  failSearch: Error | null = null;

  constructor(private readonly store: Resource[]) {}

  read(_connectionId: string, type: ClinicalResourceType, id: string): Promise<Resource> {
    this.calls.push({ op: 'read', type, id });
    const hit = this.store.find((r) => r.resourceType === type && r.id === id);
    return hit ? Promise.resolve(hit) : Promise.reject(notFound('Resource'));
  }

  search(_connectionId: string, type: ClinicalResourceType, params: SearchParams, cursor?: string): Promise<SearchPage> {
    this.calls.push({ op: 'search', type, params, ...(cursor ? { cursor } : {}) });
    if (this.failSearch) return Promise.reject(this.failSearch);
    const ids = params._id?.[0]?.split(',');
    const patient = params.patient?.[0];
    const resources = this.store.filter(
      (r) => r.resourceType === type && (!ids || ids.includes(r.id ?? '')) && (!patient || (r as { subject?: { reference?: string } }).subject?.reference === `Patient/${patient}`),
    );
    return Promise.resolve({ resources, warnings: [], nextCursor: null });
  }

  canBatchReads(): Promise<boolean> {
    return Promise.resolve(this.batchable);
  }

  count(op: 'read' | 'search'): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

const patients = ['p1', 'p2', 'p3', 'p4', 'p5'].map((id): Resource => ({ resourceType: 'Patient', id }));
const observations: Resource[] = [
  { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'hr' }, subject: { reference: 'Patient/p1' } },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'hr' }, subject: { reference: 'Patient/p2' } },
];

describe('ClinicalLoaders', () => {
  it('resolves N patient reads made in one tick with one _id search', async () => {
    const source = new FakeSource(patients);
    const loaders = new ClinicalLoaders(source);
    const got = await Promise.all(['p1', 'p2', 'p3', 'p2'].map((id) => loaders.read(CONN, 'Patient', id)));
    expect(got.map((r) => r.id)).toEqual(['p1', 'p2', 'p3', 'p2']);
    expect(source.calls).toEqual([{ op: 'search', type: 'Patient', params: { _id: ['p1,p2,p3'], _count: ['3'] } }]);
    // Cached for the rest of the request.
    await loaders.read(CONN, 'Patient', 'p3');
    expect(source.calls).toHaveLength(1);
  });

  it('makes one read for a lone id, and one read per id where _id search is not allowed', async () => {
    const source = new FakeSource(patients);
    await new ClinicalLoaders(source).read(CONN, 'Patient', 'p1');
    expect(source.calls).toEqual([{ op: 'read', type: 'Patient', id: 'p1' }]);

    const noBatch = new FakeSource(patients);
    noBatch.batchable = false;
    const loaders = new ClinicalLoaders(noBatch);
    await Promise.all(['p1', 'p2', 'p3'].map((id) => loaders.read(CONN, 'Patient', id)));
    expect(noBatch.count('read')).toBe(3);
    expect(noBatch.count('search')).toBe(0);
  });

  it('groups by connection and type, and splits batches at maxReadBatch', async () => {
    const source = new FakeSource([...patients, ...observations]);
    const loaders = new ClinicalLoaders(source, { maxReadBatch: 2 });
    await Promise.all([
      loaders.read(CONN, 'Patient', 'p1'),
      loaders.read(CONN, 'Patient', 'p2'),
      loaders.read(CONN, 'Patient', 'p3'),
      loaders.read(CONN, 'Patient', 'p4'),
    ]);
    expect(source.calls.map((c) => c.params?._id)).toEqual([['p1,p2'], ['p3,p4']]);

    const mixed = new FakeSource([...patients, ...observations]);
    const other = new ClinicalLoaders(mixed);
    await Promise.all([other.read(CONN, 'Patient', 'p1'), other.read(CONN, 'Observation', 'o1'), other.read('c2', 'Patient', 'p2')]);
    expect(mixed.count('read')).toBe(3);
    expect(mixed.count('search')).toBe(0);
  });

  it('reads ids the batch search did not return, so a missing one gets its own not_found', async () => {
    const source = new FakeSource(patients);
    const loaders = new ClinicalLoaders(source);
    const [found, missing] = await Promise.allSettled([loaders.read(CONN, 'Patient', 'p1'), loaders.read(CONN, 'Patient', 'nope')]);
    expect(found).toMatchObject({ status: 'fulfilled', value: { id: 'p1' } });
    expect(missing).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.NotFound } });
    expect(source.calls.map((c) => c.op)).toEqual(['search', 'read']);
  });

  it('gives every key of a failed batch search its error', async () => {
    const source = new FakeSource(patients);
    source.failSearch = new SbError(ErrorCode.VendorError, 'Vendor failed');
    const loaders = new ClinicalLoaders(source);
    const results = await Promise.allSettled(['p1', 'p2'].map((id) => loaders.read(CONN, 'Patient', id)));
    expect(results.map((r) => r.status === 'rejected' && (r.reason as SbError).code)).toEqual([ErrorCode.VendorError, ErrorCode.VendorError]);
    expect(source.count('read')).toBe(0);
  });

  it('makes identical nested searches once, whatever the parameter order', async () => {
    const source = new FakeSource(observations);
    const loaders = new ClinicalLoaders(source);
    const [a, b, c] = await Promise.all([
      loaders.search(CONN, 'Observation', { patient: ['p1'], category: ['vital-signs'], _count: ['20'] }),
      loaders.search(CONN, 'Observation', { _count: ['20'], category: ['vital-signs'], patient: ['p1'] }),
      loaders.search(CONN, 'Observation', { patient: ['p2'], category: ['vital-signs'], _count: ['20'] }),
    ]);
    expect(a).toBe(b);
    expect(c?.resources.map((r) => r.id)).toEqual(['o2']);
    expect(source.count('search')).toBe(2);
    // A later identical search in the same request is answered from the cache; another cursor is not.
    await loaders.search(CONN, 'Observation', { patient: ['p1'], category: ['vital-signs'], _count: ['20'] });
    await loaders.search(CONN, 'Observation', { patient: ['p1'], category: ['vital-signs'], _count: ['20'] }, 'cursor-2');
    expect(source.count('search')).toBe(3);
  });

  it('answers reads of resources a search returned, and searches again after clearSearches', async () => {
    const source = new FakeSource(patients);
    const loaders = new ClinicalLoaders(source);
    await loaders.search(CONN, 'Patient', { family: ['x'] });
    await Promise.all([loaders.read(CONN, 'Patient', 'p1'), loaders.read(CONN, 'Patient', 'p5')]);
    expect(source.calls.map((c) => c.op)).toEqual(['search']);
    loaders.clearSearches();
    await loaders.search(CONN, 'Patient', { family: ['x'] });
    expect(source.count('search')).toBe(2);
  });

  it('keeps one set of loaders per request object', () => {
    const req = {};
    const make = jest.fn(() => new ClinicalLoaders(new FakeSource([])));
    const first = clinicalLoadersOf(req, make);
    expect(clinicalLoadersOf(req, make)).toBe(first);
    expect(clinicalLoadersOf({}, make)).not.toBe(first);
    expect(make).toHaveBeenCalledTimes(2);
  });
});

describe('clinicalSourceFor', () => {
  const statement = (searchParams: string[]): CapabilityStatement => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }], searchParam: searchParams.map((name) => ({ name, type: 'string' })) }] }],
  });
  const actor = (scopes: string[]): Actor => ({ type: 'api-key', id: 'k1', tenantId: 't1', scopes });
  const clinical = (params: string[]) => ({
    read: jest.fn(),
    search: jest.fn(),
    capabilityStatement: jest.fn(() => Promise.resolve(statement(params))),
  });

  it('batches only when the credential may search the type and the connection declares _id', async () => {
    const service = clinical(['_id', 'identifier']);
    expect(await clinicalSourceFor(service, actor(['system/Patient.rs']), 't1').canBatchReads(CONN, 'Patient')).toBe(true);
    expect(await clinicalSourceFor(service, actor(['system/Patient.r']), 't1').canBatchReads(CONN, 'Patient')).toBe(false);
    expect(await clinicalSourceFor(service, actor(['system/*.rs']), 't1').canBatchReads(CONN, 'Observation')).toBe(false);
    expect(await clinicalSourceFor(clinical(['identifier']), actor(['system/*.rs']), 't1').canBatchReads(CONN, 'Patient')).toBe(false);
  });

  it('asks for the capability statement once per connection, and binds actor and tenant', async () => {
    const service = clinical(['_id']);
    const a = actor(['system/*.rs']);
    const source = clinicalSourceFor(service, a, 't1');
    await Promise.all([source.canBatchReads(CONN, 'Patient'), source.canBatchReads(CONN, 'Patient')]);
    expect(service.capabilityStatement).toHaveBeenCalledTimes(1);
    expect(service.capabilityStatement).toHaveBeenCalledWith('t1', CONN, a);
    await source.read(CONN, 'Patient', 'p1');
    expect(service.read).toHaveBeenCalledWith(a, 't1', CONN, 'Patient', 'p1');
  });
});
