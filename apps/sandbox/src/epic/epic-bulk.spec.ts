import { gunzipSync } from 'node:zlib';
import { EPIC_TOO_RECENT } from '../bulk/bulk-kickoff';
import { bulkLedger, bulkSettings, finishedManifest, kickoffGet, kickoffPost, ndjson, poll, rawGet, startExport, testClock, type OutcomeJson, type TestClock } from '../testing/bulk-harness';
import { epicSession, oracleSession, startTestSandbox, type EpicSession, type TestSandbox } from '../testing/sandbox-harness';
import { EPIC_BULK_GROUP_ID } from './epic-bulk';
import { epicId } from './epic-dialect';

describe('Epic-like $export', () => {
  let sandbox: TestSandbox;
  let epic: EpicSession;
  let clock: TestClock;
  let kickoffUrl: string;
  let patientIds: string[];

  beforeAll(async () => {
    clock = testClock();
    sandbox = await startTestSandbox({ now: clock.now });
    epic = await epicSession(sandbox);
    kickoffUrl = `${epic.base}/Group/${EPIC_BULK_GROUP_ID}/$export`;
    patientIds = ((await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=epic`)).json()) as { id: string }[]).map((p) => p.id);
  });
  afterEach(async () => {
    clock.reset();
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await epic.keys.close();
    await sandbox.dispose();
  });

  const download = async (url: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${epic.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+ndjson');
    return ndjson(await res.text());
  };

  it('names its group with an Epic-style id', () => {
    expect(EPIC_BULK_GROUP_ID).toBe(epicId('epic:Group:sandbox-all-patients'));
  });

  it('declares Group $export in its CapabilityStatement', async () => {
    const statement = (await (await fetch(`${epic.base}/metadata`)).json()) as { instantiates: string[]; rest: { resource: { type: string; operation?: { name: string; definition: string }[] }[] }[] };
    expect(statement.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    const group = statement.rest[0]?.resource.find((r) => r.type === 'Group');
    expect(group?.operation).toEqual([expect.objectContaining({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' })]);
  });

  it('runs a group export: 202 and Content-Location, 202 with progress, then the manifest; nothing downloadable before', async () => {
    const kickoffAt = new Date(clock.now()).toISOString();
    const res = await kickoffGet(kickoffUrl, epic.token);
    expect(res.status).toBe(202);
    const statusUrl = res.headers.get('content-location') as string;
    expect(statusUrl).toMatch(new RegExp(`^${epic.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/BulkRequest/[0-9a-f-]{36}$`));

    const running = await poll(statusUrl, epic.token);
    expect(running.status).toBe(202);
    expect(running.headers.get('x-progress')).toMatch(/^\d{1,2}% complete$/);
    expect(running.headers.get('retry-after')).toBe('1');
    // All or nothing: a file URL does not answer while the job runs.
    expect((await fetch(`${statusUrl}/Patient-1.ndjson`, { headers: { authorization: `Bearer ${epic.token}` } })).status).toBe(404);

    clock.advance(1_000);
    expect((await poll(statusUrl, epic.token)).headers.get('x-progress')).toBe('66% complete');
    clock.advance(500);
    const done = await poll(statusUrl, epic.token);
    expect(done.status).toBe(200);
    expect(done.headers.get('content-type')).toContain('application/json');
    const manifest = (await done.json()) as { transactionTime: string; request: string; requiresAccessToken: boolean; output: { type: string; url: string; count: number }[]; error: unknown[] };
    expect(manifest).toMatchObject({ transactionTime: kickoffAt, request: kickoffUrl, requiresAccessToken: true, error: [] });

    const observationFiles = manifest.output.filter((o) => o.type === 'Observation');
    expect(observationFiles.length).toBeGreaterThanOrEqual(2);
    expect(manifest.output.every((o) => o.count > 0 && o.count <= 1_000 && o.url.startsWith(`${statusUrl}/`))).toBe(true);
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Encounter', 'Observation', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'DiagnosticReport', 'DocumentReference', 'Appointment', 'Practitioner', 'Organization', 'Location']));

    for (const item of manifest.output) {
      const lines = await download(item.url);
      expect(lines).toHaveLength(item.count);
      expect(lines.every((r) => r.resourceType === item.type)).toBe(true);
    }
    const patients = await download(manifest.output.find((o) => o.type === 'Patient')?.url as string);
    expect(patients.map((p) => p.id).sort()).toEqual([...patientIds].sort());
    const observations = (await Promise.all(observationFiles.map((f) => download(f.url)))).flat();
    expect(new Set(observations.map((o) => o.id)).size).toBe(observations.length);
    expect(observations.every((o) => patientIds.includes(String((o.subject as { reference: string }).reference).replace('Patient/', '')))).toBe(true);
  });

  it('gzips a file when the client accepts gzip, and not otherwise', async () => {
    const statusUrl = await startExport(`${kickoffUrl}?_type=Patient`, epic.token);
    const manifest = await finishedManifest(statusUrl, epic.token, clock);
    const url = manifest.output[0]?.url as string;
    const zipped = await rawGet(url, { authorization: `Bearer ${epic.token}`, 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const plain = await rawGet(url, { authorization: `Bearer ${epic.token}`, 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(ndjson(plain.body.toString('utf8'))).toHaveLength(60);
  });

  it('lets a client kick off a group once per 24 h: 429 with the seconds left, per client', async () => {
    const other = await epicSession(sandbox);
    expect((await kickoffGet(kickoffUrl, epic.token)).status).toBe(202);
    clock.advance(200_000);
    const again = await kickoffGet(kickoffUrl, epic.token);
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe(String(86_400 - 200));
    const outcome = (await again.json()) as OutcomeJson;
    expect(outcome.issue[0]).toMatchObject({ code: 'throttled', diagnostics: EPIC_TOO_RECENT });

    expect((await kickoffGet(kickoffUrl, other.token)).status).toBe(202);
    await other.keys.close();

    try {
      await bulkSettings(sandbox, { vendor: 'epic', kickoffWindowSeconds: 60 });
      expect((await kickoffGet(kickoffUrl, epic.token)).status).toBe(202);
      clock.advance(15_000);
      const soon = await kickoffGet(kickoffUrl, epic.token);
      expect([soon.status, soon.headers.get('retry-after')]).toEqual([429, '45']);
      clock.advance(45_000);
      expect((await kickoffGet(kickoffUrl, epic.token)).status).toBe(202);
    } finally {
      await bulkSettings(sandbox, { vendor: 'epic', kickoffWindowSeconds: 86_400 });
    }
    const { kickoffs, jobs } = await bulkLedger(sandbox, 'epic');
    expect(kickoffs.map((k) => k.status)).toEqual([202, 429, 202, 202, 429, 202]);
    expect(jobs).toHaveLength(4);
  });

  it('refuses Patient and system level export with 400: Group only', async () => {
    for (const url of [`${epic.base}/Patient/$export`, `${epic.base}/$export`]) {
      const res = await kickoffGet(url, epic.token);
      expect(res.status).toBe(400);
      expect(((await res.json()) as OutcomeJson).issue[0]?.diagnostics).toContain('Only Group-level export');
    }
  });

  it.each([
    ['no Prefer: respond-async', '', { prefer: 'return=representation' }],
    ['an Accept other than application/fhir+json', '', { accept: 'application/json' }],
    ['an unknown _type', '?_type=Patient,Spaceship', {}],
    ['an unknown _outputFormat', '?_outputFormat=text/csv', {}],
  ])('answers 400 OperationOutcome for %s', async (_what, query, headers) => {
    const res = await kickoffGet(`${kickoffUrl}${query}`, epic.token, headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as OutcomeJson).resourceType).toBe('OperationOutcome');
    expect((await bulkLedger(sandbox, 'epic')).jobs).toHaveLength(0);
  });

  it.each(['application%2Ffhir%2Bndjson', 'application/fhir+ndjson', 'application/ndjson', 'ndjson'])('accepts _outputFormat=%s', async (format) => {
    expect((await kickoffGet(`${kickoffUrl}?_outputFormat=${format}`, epic.token)).status).toBe(202);
  });

  it('ignores _since and _typeFilter (Epic implements neither)', async () => {
    const full = await finishedManifest(await startExport(`${kickoffUrl}?_type=Observation`, epic.token), epic.token, clock);
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
    const filtered = await finishedManifest(
      await startExport(`${kickoffUrl}?_type=Observation&_since=2100-01-01T00:00:00Z&_typeFilter=${encodeURIComponent('Observation?category=laboratory')}`, epic.token),
      epic.token,
      clock,
    );
    expect(filtered.output.map((o) => o.count)).toEqual(full.output.map((o) => o.count));
  });

  it('takes a POST kick-off with a Parameters body', async () => {
    const res = await kickoffPost(kickoffUrl, epic.token, [{ name: '_type', valueString: 'Patient,Condition' }, { name: '_outputFormat', valueString: 'ndjson' }]);
    expect(res.status).toBe(202);
    const manifest = await finishedManifest(res.headers.get('content-location') as string, epic.token, clock);
    expect(manifest.output.map((o) => o.type)).toEqual(['Patient', 'Condition']);
    expect(manifest.request).toBe(kickoffUrl);
    const bad = await fetch(kickoffUrl, { method: 'POST', headers: { accept: 'application/fhir+json', prefer: 'respond-async', authorization: `Bearer ${epic.token}`, 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Bundle"}' });
    expect(bad.status).toBe(400);
  });

  it('answers 404 for an unknown group, 401 without a valid Epic token', async () => {
    expect((await kickoffGet(`${epic.base}/Group/eNoSuchGroup3/$export`, epic.token)).status).toBe(404);
    expect((await fetch(kickoffUrl, { headers: { accept: 'application/fhir+json', prefer: 'respond-async' } })).status).toBe(401);
    const oracle = await oracleSession(sandbox);
    expect((await kickoffGet(kickoffUrl, oracle.token)).status).toBe(401);
    const statusUrl = await startExport(kickoffUrl, epic.token);
    expect((await poll(statusUrl, 'not-a-token')).status).toBe(401);
  });

  it('cancels: DELETE answers 202, then the status URL and the files answer 404', async () => {
    const running = await startExport(kickoffUrl, epic.token);
    const cancel = await fetch(running, { method: 'DELETE', headers: { authorization: `Bearer ${epic.token}` } });
    expect(cancel.status).toBe(202);
    expect((await poll(running, epic.token)).status).toBe(404);
    expect((await fetch(running, { method: 'DELETE', headers: { authorization: `Bearer ${epic.token}` } })).status).toBe(404);

    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
    const finished = await startExport(`${kickoffUrl}?_type=Patient`, epic.token);
    const manifest = await finishedManifest(finished, epic.token, clock);
    expect((await fetch(finished, { method: 'DELETE', headers: { authorization: `Bearer ${epic.token}` } })).status).toBe(202);
    expect((await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${epic.token}` } })).status).toBe(404);
    expect((await bulkLedger(sandbox, 'epic')).jobs[0]?.state).toBe('cancelled');
  });

  it("does not show one client another client's job", async () => {
    const statusUrl = await startExport(kickoffUrl, epic.token);
    const other = await epicSession(sandbox);
    expect((await poll(statusUrl, other.token)).status).toBe(404);
    expect((await fetch(statusUrl, { method: 'DELETE', headers: { authorization: `Bearer ${other.token}` } })).status).toBe(404);
    expect((await poll(statusUrl, epic.token)).status).toBe(202);
    await other.keys.close();
  });

  it('records the kick-off, every status poll with its time and answer, and downloads in the admin ledger', async () => {
    const statusUrl = await startExport(`${kickoffUrl}?_type=Patient`, epic.token);
    const firstPollAt = clock.now();
    await poll(statusUrl, epic.token);
    clock.advance(1_000);
    await poll(statusUrl, epic.token);
    const manifest = await finishedManifest(statusUrl, epic.token, clock, 1_000);
    await download(manifest.output[0]?.url as string);
    const { jobs, kickoffs } = await bulkLedger(sandbox, 'epic');
    expect(kickoffs).toEqual([expect.objectContaining({ clientId: epic.clientId, status: 202, jobId: jobs[0]?.id })]);
    expect(jobs[0]).toMatchObject({ vendor: 'epic', groupId: EPIC_BULK_GROUP_ID, clientId: epic.clientId, state: 'complete', files: [{ name: 'Patient-1.ndjson', type: 'Patient', count: 60, downloads: 1, redirects: 0 }] });
    expect(jobs[0]?.statusCalls.map((c) => c.status)).toEqual([202, 202, 200]);
    expect(jobs[0]?.statusCallCount).toBe(3);
    expect(jobs[0]?.statusCalls.map((c) => Date.parse(c.at) - firstPollAt)).toEqual([0, 1_000, 2_000]);
  });
});
