import { bulkLedger, finishedManifest, kickoffGet, ndjson, poll, startExport, testClock, type OutcomeJson, type TestClock } from '../testing/bulk-harness';
import { startTestSandbox, type TestSandbox } from '../testing/sandbox-harness';
import { ATHENA_BULK_GROUP_IDS, ATHENA_FHIR_PATH, athenaBulkGroupId } from './athena-fhir-routes';
import { athenaSession, type AthenaSession } from './testing/athena-session';

describe('athena-like FHIR $export', () => {
  let sandbox: TestSandbox;
  let athena: AthenaSession;
  let clock: TestClock;
  let base: string;
  let kickoffUrl: string;

  beforeAll(async () => {
    clock = testClock();
    sandbox = await startTestSandbox({ now: clock.now });
    athena = await athenaSession(sandbox);
    base = `${sandbox.url}${ATHENA_FHIR_PATH}`;
    kickoffUrl = `${base}/Group/${athenaBulkGroupId('195900')}/$export`;
  });
  afterEach(async () => {
    clock.reset();
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
  });
  afterAll(() => sandbox.dispose());

  const fetchFile = async (url: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${athena.token}` } });
    expect(res.status).toBe(200);
    return ndjson(await res.text());
  };

  it('serves a bulk-only CapabilityStatement on its FHIR R4 base', async () => {
    const statement = (await (await fetch(`${base}/metadata`)).json()) as { instantiates: string[]; rest: { resource: { type: string }[] }[] };
    expect(statement.instantiates).toEqual(['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data']);
    expect(statement.rest[0]?.resource.map((r) => r.type)).toEqual(['Group']);
    expect(ATHENA_BULK_GROUP_IDS).toEqual(['a-1.c-195900', 'a-1.c-195901']);
  });

  it('exports the practice group with athena FHIR ids, counts in the manifest, status under /bulk/status', async () => {
    const statusUrl = await startExport(kickoffUrl, athena.token);
    expect(statusUrl).toMatch(new RegExp(`^${sandbox.url}/athena/fhir/r4/bulk/status/[0-9a-f-]{36}$`));
    const running = await poll(statusUrl, athena.token);
    expect([running.status, running.headers.get('x-progress')]).toEqual([202, '0% complete']);
    const manifest = await finishedManifest(statusUrl, athena.token, clock);
    expect(manifest.output.every((o) => o.url.startsWith(`${sandbox.url}/athena/fhir/r4/bulk/files/`))).toBe(true);
    const patientItem = manifest.output.find((o) => o.type === 'Patient');
    const patients = await fetchFile(patientItem?.url as string);
    expect(patients).toHaveLength(patientItem?.count as number);
    const listed = ((await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as { id: string }[]).map((p) => p.id);
    expect(patients.map((p) => p.id)).toEqual(listed);
    const encounters = (await Promise.all(manifest.output.filter((o) => o.type === 'Encounter').map((o) => fetchFile(o.url)))).flat();
    expect(encounters.every((e) => /^a-195900\.encounter-\d+$/.test(String(e.id)))).toBe(true);
    expect(encounters.every((e) => listed.includes(String((e.subject as { reference: string }).reference).replace('Patient/', '')))).toBe(true);
  });

  it('honours _type and _since, and refuses _typeFilter', async () => {
    const manifest = await finishedManifest(await startExport(`${kickoffUrl}?_type=Condition&_since=2100-01-01T00:00:00Z`, athena.token), athena.token, clock);
    expect(manifest.output).toEqual([]);
    const filtered = await kickoffGet(`${kickoffUrl}?_type=Observation&_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`, athena.token);
    expect(filtered.status).toBe(400);
    expect(((await filtered.json()) as OutcomeJson).issue[0]?.diagnostics).toContain('_typeFilter');
    const lenient = await kickoffGet(`${kickoffUrl}?_elements=id`, athena.token, { prefer: 'respond-async, handling=lenient' });
    expect(lenient.status).toBe(400);
  });

  it('answers 404 for an unknown practice group, 403 for a practice the app is not granted, 401 without a token', async () => {
    expect((await kickoffGet(`${base}/Group/a-1.c-999999/$export`, athena.token)).status).toBe(404);
    expect((await kickoffGet(`${base}/Group/not-a-group/$export`, athena.token)).status).toBe(404);
    expect((await kickoffGet(`${base}/Group/${athenaBulkGroupId('195901')}/$export`, athena.token)).status).toBe(403);
    expect((await fetch(kickoffUrl, { headers: { accept: 'application/fhir+json', prefer: 'respond-async' } })).status).toBe(401);
    expect((await kickoffGet(`${base}/Patient/$export`, athena.token)).status).toBe(400);
    expect((await fetch(`${base}/Patient/a-195900.E-7001`, { headers: { authorization: `Bearer ${athena.token}` } })).status).toBe(404);
    expect((await bulkLedger(sandbox, 'athena')).kickoffs.map((k) => k.status)).toEqual([404, 404, 403, 401, 400]);
  });

  it('exports a second granted practice from its own store', async () => {
    const both = await athenaSession(sandbox, { practiceIds: ['195900', '195901'] });
    const statusUrl = await startExport(`${base}/Group/${athenaBulkGroupId('195901')}/$export?_type=Patient`, both.token);
    const manifest = await finishedManifest(statusUrl, both.token, clock);
    const res = await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${both.token}` } });
    expect(ndjson(await res.text()).every((p) => String(p.id).startsWith('a-195901.E-'))).toBe(true);
  });
});
