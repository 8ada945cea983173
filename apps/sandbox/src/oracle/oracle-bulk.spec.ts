import { bulkLedger, finishedManifest, kickoffGet, ndjson, poll, rawGet, startExport, testClock, type ManifestJson, type OutcomeJson, type TestClock } from '../testing/bulk-harness';
import { ORACLE_TEST_SCOPES, oracleSession, startTestSandbox, type OracleSession, type TestSandbox } from '../testing/sandbox-harness';
import { gunzipSync } from 'node:zlib';
import { ORACLE_BULK_GROUP_ID } from './oracle-bulk';

const ALL_READ = 'system/Patient.read system/Observation.read system/Encounter.read system/Condition.read system/Location.read system/Practitioner.read system/Organization.read';

describe('Oracle Health-like $export', () => {
  let sandbox: TestSandbox;
  let oracle: OracleSession;
  let clock: TestClock;
  let kickoffUrl: string;

  beforeAll(async () => {
    clock = testClock();
    sandbox = await startTestSandbox({ now: clock.now });
    oracle = await oracleSession(sandbox, ALL_READ);
    kickoffUrl = `${oracle.base}/Group/${ORACLE_BULK_GROUP_ID}/$export`;
  });
  afterEach(async () => {
    clock.reset();
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
  });
  afterAll(() => sandbox.dispose());

  const auth = (): Record<string, string> => ({ authorization: `Bearer ${oracle.token}` });
  const exportOf = async (query: string, headers: Record<string, string> = {}): Promise<ManifestJson> => finishedManifest(await startExport(`${kickoffUrl}${query}`, oracle.token, headers), oracle.token, clock);
  /** Follows the 307 without the token, as a client must, and returns the NDJSON lines. */
  const fetchFile = async (url: string): Promise<Record<string, unknown>[]> => {
    const redirect = await fetch(url, { headers: auth(), redirect: 'manual' });
    expect(redirect.status).toBe(307);
    const res = await fetch(redirect.headers.get('location') as string);
    expect(res.status).toBe(200);
    return ndjson(await res.text());
  };

  it('declares Group $export in its CapabilityStatement', async () => {
    const statement = (await (await fetch(`${oracle.base}/metadata`, { headers: { accept: 'application/fhir+json' } })).json()) as { instantiates: string[]; rest: { resource: { type: string; operation?: { definition: string }[] }[] }[] };
    expect(statement.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    expect(statement.rest[0]?.resource.find((r) => r.type === 'Group')?.operation?.[0]?.definition).toBe('http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export');
  });

  it('exports the tenant group: X-Progress in-progress, manifest items without count, only the types the token may read', async () => {
    const statusUrl = await startExport(kickoffUrl, oracle.token);
    expect(statusUrl.startsWith(`${oracle.base}/bulk-export/`)).toBe(true);
    const running = await poll(statusUrl, oracle.token);
    expect([running.status, running.headers.get('x-progress'), running.headers.get('retry-after')]).toEqual([202, 'in-progress', '1']);
    const manifest = await finishedManifest(statusUrl, oracle.token, clock);
    expect(manifest.output.every((o) => !('count' in o))).toBe(true);
    expect([...new Set(manifest.output.map((o) => o.type))]).toEqual(['Patient', 'Encounter', 'Observation', 'Condition', 'Practitioner', 'Organization', 'Location']);
    const patients = await fetchFile(manifest.output[0]?.url as string);
    expect(patients).toHaveLength(60);
    expect(patients.every((p) => p.resourceType === 'Patient')).toBe(true);
  });

  it('allows one export in progress per client: 429 throttled until it finishes or is cancelled', async () => {
    const statusUrl = await startExport(`${kickoffUrl}?_type=Patient`, oracle.token);
    clock.advance(500);
    const second = await kickoffGet(`${kickoffUrl}?_type=Condition`, oracle.token);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as OutcomeJson).issue[0]?.code).toBe('throttled');
    const other = await oracleSession(sandbox, ALL_READ);
    expect((await kickoffGet(`${other.base}/Group/${ORACLE_BULK_GROUP_ID}/$export`, other.token)).status).toBe(202);
    expect((await fetch(statusUrl, { method: 'DELETE', headers: auth() })).status).toBe(202);
    const third = await startExport(`${kickoffUrl}?_type=Patient`, oracle.token);
    clock.advance(2_000);
    expect((await poll(third, oracle.token)).status).toBe(200);
    expect((await kickoffGet(kickoffUrl, oracle.token)).status).toBe(202);
  });

  it('answers files with a 307 to a pre-signed store URL that refuses an Authorization header and a bad signature', async () => {
    const manifest = await exportOf('?_type=Patient');
    const fileUrl = manifest.output[0]?.url as string;
    expect(fileUrl).toMatch(/\/bulk-export\/[0-9a-f-]{36}\/Patient-1\.ndjson$/);
    expect((await fetch(fileUrl, { redirect: 'manual' })).status).toBe(401);
    const redirect = await fetch(fileUrl, { headers: auth(), redirect: 'manual' });
    expect(redirect.status).toBe(307);
    const location = new URL(redirect.headers.get('location') as string);
    expect(location.origin).toBe(sandbox.url);
    expect(location.pathname).toMatch(/^\/oracle-files\/[0-9a-f-]{36}\/Patient-1\.ndjson$/);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const withToken = await fetch(location, { headers: auth() });
    expect(withToken.status).toBe(400);
    const xml = await withToken.text();
    expect(xml).toContain('<Code>InvalidArgument</Code>');
    expect(xml).toContain('Only one auth mechanism allowed');

    const tampered = new URL(location);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
    const otherFile = new URL(location);
    otherFile.pathname = otherFile.pathname.replace('Patient-1', 'Patient-2');
    expect(await (await fetch(otherFile)).text()).toContain('SignatureDoesNotMatch');

    const raw = await rawGet(location.toString(), { 'accept-encoding': 'identity' });
    expect([raw.status, raw.headers['content-encoding'], raw.headers['content-type']]).toEqual([200, 'gzip', 'application/fhir+ndjson']);
    expect(ndjson(gunzipSync(raw.body).toString('utf8'))).toHaveLength(60);

    clock.advance(301_000);
    const expired = await fetch(location);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');

    const { jobs } = await bulkLedger(sandbox, 'oracle');
    expect(jobs[0]?.files).toEqual([{ name: 'Patient-1.ndjson', type: 'Patient', count: 60, downloads: 1, redirects: 1 }]);
  });

  it('filters by _since on meta.lastUpdated', async () => {
    const all = (await Promise.all((await exportOf('?_type=Encounter')).output.map((o) => fetchFile(o.url)))).flat();
    const cut = [...all.map((e) => (e.meta as { lastUpdated: string }).lastUpdated)].sort()[Math.floor(all.length / 2)] as string;
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
    const recent = (await Promise.all((await exportOf(`?_type=Encounter&_since=${encodeURIComponent(cut)}`)).output.map((o) => fetchFile(o.url)))).flat();
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((e) => Date.parse((e.meta as { lastUpdated: string }).lastUpdated) > Date.parse(cut))).toBe(true);
    expect(recent).toHaveLength(all.filter((e) => Date.parse((e.meta as { lastUpdated: string }).lastUpdated) > Date.parse(cut)).length);
    expect((await kickoffGet(`${kickoffUrl}?_since=yesterday`, oracle.token)).status).toBe(400);
  });

  it('applies _typeFilter paired with _type, and refuses it unpaired, on excluded types or twice for a type', async () => {
    const labs = (await Promise.all((await exportOf(`?_type=Observation,Patient&_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`)).output.map((o) => fetchFile(o.url)))).flat();
    const observations = labs.filter((r) => r.resourceType === 'Observation');
    expect(observations.length).toBeGreaterThan(0);
    expect(observations.every((o) => JSON.stringify(o.category).includes('"laboratory"'))).toBe(true);
    expect(labs.filter((r) => r.resourceType === 'Patient')).toHaveLength(60);
    for (const query of [
      `?_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`,
      `?_type=Patient&_typeFilter=${encodeURIComponent('Patient?gender=female')}`,
      `?_type=Observation&_typeFilter=${encodeURIComponent('Observation?category=laboratory,Observation?category=vital-signs')}`,
      `?_type=Observation&_typeFilter=${encodeURIComponent('Observation?colour=blue')}`,
    ]) {
      const res = await kickoffGet(`${kickoffUrl}${query}`, oracle.token);
      expect(res.status).toBe(400);
      expect(((await res.json()) as OutcomeJson).issue[0]?.diagnostics).toContain('_typeFilter');
    }
  });

  it('refuses unsupported parameters, unless Prefer: handling=lenient (then a warning in the error file)', async () => {
    const strict = await kickoffGet(`${kickoffUrl}?_type=Patient&_elements=id`, oracle.token);
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as OutcomeJson).issue[0]?.diagnostics).toContain('_elements');
    const manifest = await exportOf(`?_type=Patient,Spaceship&_elements=id`, { prefer: 'respond-async, handling=lenient' });
    expect(manifest.output.map((o) => o.type)).toEqual(['Patient']);
    expect(manifest.error).toEqual([{ type: 'OperationOutcome', url: expect.stringMatching(/\/OperationOutcome-1\.ndjson$/) }]);
    const [outcome] = await fetchFile(manifest.error[0]?.url as string);
    const issues = (outcome as unknown as OutcomeJson).issue;
    expect(issues.map((i) => i.severity)).toEqual(['warning', 'warning']);
    expect(issues.map((i) => i.diagnostics).join(' ')).toMatch(/Spaceship[\s\S]*_elements/);
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
    expect((await kickoffGet(`${kickoffUrl}?includeAssociatedData=LatestProvenanceResources`, oracle.token)).status).toBe(202);
  });

  it('needs the system read scope of each requested type (403), and exports only granted types by default', async () => {
    const narrow = await oracleSession(sandbox, ORACLE_TEST_SCOPES);
    const url = `${narrow.base}/Group/${ORACLE_BULK_GROUP_ID}/$export`;
    const denied = await kickoffGet(`${url}?_type=Patient,Condition`, narrow.token);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as OutcomeJson).issue[0]?.diagnostics).toContain('Condition');
    const manifest = await finishedManifest(await startExport(url, narrow.token), narrow.token, clock);
    expect([...new Set(manifest.output.map((o) => o.type))]).toEqual(['Patient', 'Encounter', 'Observation', 'DocumentReference', 'Appointment']);
  });

  it('answers 401 for a token of another tenant, 404 for an unknown group or job', async () => {
    const other = await oracleSession(sandbox, ALL_READ);
    expect((await kickoffGet(kickoffUrl, other.token)).status).toBe(401);
    expect((await kickoffGet(`${oracle.base}/Group/11ef-0000-00000000-0000-000000000000/$export`, oracle.token)).status).toBe(404);
    expect((await poll(`${oracle.base}/bulk-export/6d1f2f0e-0000-4000-8000-000000000000`, oracle.token)).status).toBe(404);
    const statusUrl = await startExport(kickoffUrl, oracle.token);
    expect((await poll(statusUrl.replace(oracle.base, other.base), other.token)).status).toBe(404);
    expect((await kickoffGet(`${oracle.base}/Patient/$export`, oracle.token)).status).toBe(400);
  });
});
