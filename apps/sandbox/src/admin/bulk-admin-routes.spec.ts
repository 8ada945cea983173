import { gunzipSync } from 'node:zlib';
import { DEFAULT_BULK_SETTINGS } from '../bulk/bulk-settings';
import { EPIC_BULK_GROUP_ID } from '../epic/epic-bulk';
import { bulkSettings, finishedManifest, ndjson, rawGet, startExport, testClock, type TestClock } from '../testing/bulk-harness';
import { epicSession, postJson, startTestSandbox, type EpicSession, type TestSandbox } from '../testing/sandbox-harness';

describe('_sandbox/bulk admin routes', () => {
  let sandbox: TestSandbox;
  let epic: EpicSession;
  let clock: TestClock;

  beforeAll(async () => {
    clock = testClock();
    sandbox = await startTestSandbox({ now: clock.now, bulk: { epic: { jobDurationMs: 500 } } });
    epic = await epicSession(sandbox);
  });
  afterEach(async () => {
    clock.reset();
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await epic.keys.close();
    await sandbox.dispose();
  });

  const put = (body: unknown) => fetch(`${sandbox.url}/_sandbox/bulk/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('shows each vendor its settings: defaults, with start-up overrides', async () => {
    const settings = (await (await fetch(`${sandbox.url}/_sandbox/bulk/settings`)).json()) as typeof DEFAULT_BULK_SETTINGS;
    expect(settings.epic).toEqual({ ...DEFAULT_BULK_SETTINGS.epic, jobDurationMs: 500 });
    expect(settings.oracle).toEqual(DEFAULT_BULK_SETTINGS.oracle);
    expect(DEFAULT_BULK_SETTINGS.epic).toMatchObject({ retryAfterSeconds: 1, jobDurationMs: 1_500, maxResourcesPerFile: 1_000, patientMultiplier: 1, kickoffWindowSeconds: 86_400 });
    expect(DEFAULT_BULK_SETTINGS.oracle.signedUrlTtlSeconds).toBe(300);
  });

  it('validates setting changes', async () => {
    for (const body of [{ retryAfterSeconds: 2 }, { vendor: 'cerner' }, { vendor: 'epic', retryAfterSeconds: -1 }, { vendor: 'epic', colour: 'red' }, { vendor: 'epic', maxResourcesPerFile: 0 }]) {
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await fetch(`${sandbox.url}/_sandbox/bulk/jobs?vendor=cerner`)).status).toBe(400);
  });

  it('applies file size and Retry-After to the next jobs', async () => {
    try {
      const res = await put({ vendor: 'epic', maxResourcesPerFile: 25, retryAfterSeconds: 7 });
      expect(await res.json()).toMatchObject({ maxResourcesPerFile: 25, retryAfterSeconds: 7, jobDurationMs: 500 });
      const statusUrl = await startExport(`${epic.base}/Group/${EPIC_BULK_GROUP_ID}/$export?_type=Patient`, epic.token);
      expect((await fetch(statusUrl, { headers: { authorization: `Bearer ${epic.token}` } })).headers.get('retry-after')).toBe('7');
      const manifest = await finishedManifest(statusUrl, epic.token, clock, 500);
      expect(manifest.output.map((o) => o.count)).toEqual([25, 25, 10]);
    } finally {
      await bulkSettings(sandbox, { vendor: 'epic', maxResourcesPerFile: 1_000, retryAfterSeconds: 1 });
    }
  });

  it('lists the groups per vendor', async () => {
    const groups = (await (await fetch(`${sandbox.url}/_sandbox/bulk/groups`)).json()) as { vendor: string; groupId: string; patients: number }[];
    expect(groups.map((g) => [g.vendor, g.groupId, g.patients])).toEqual([
      ['epic', EPIC_BULK_GROUP_ID, 60],
      ['oracle', '11ef-5b1c-0a5d8e2f-9c41-5a4e7d2b6c10', 60],
      ['athena', 'a-1.c-195900', 60],
      ['athena', 'a-1.c-195901', 60],
    ]);
  });

  it('takes the bulk fault kinds for every vendor through /_sandbox/faults', async () => {
    for (const vendor of ['epic', 'oracle', 'athena']) {
      for (const kind of ['bulk-status-error', 'bulk-status-rate-limit', 'bulk-job-failed', 'bulk-job-error-file', 'bulk-job-slow']) {
        expect((await postJson(`${sandbox.url}/_sandbox/faults`, { vendor, kind, count: 2 })).status).toBe(201);
      }
    }
    expect((await postJson(`${sandbox.url}/_sandbox/faults`, { vendor: 'epic', kind: 'bulk-job-slow', delayMs: 11 * 60_000 })).status).toBe(400);
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  });

  it('multiplies patients: copies with new ids, generated while streaming, counts still equal lines', async () => {
    try {
      await bulkSettings(sandbox, { vendor: 'epic', patientMultiplier: 3, maxResourcesPerFile: 100_000 });
      const statusUrl = await startExport(`${epic.base}/Group/${EPIC_BULK_GROUP_ID}/$export?_type=Patient,Observation`, epic.token);
      const manifest = await finishedManifest(statusUrl, epic.token, clock, 500);
      const patients = manifest.output.find((o) => o.type === 'Patient');
      expect(patients?.count).toBe(180);
      const observationsItem = manifest.output.find((o) => o.type === 'Observation');
      const raw = await rawGet(observationsItem?.url as string, { authorization: `Bearer ${epic.token}`, 'accept-encoding': 'gzip' });
      const observations = ndjson(gunzipSync(raw.body).toString('utf8'));
      expect(observations).toHaveLength(observationsItem?.count as number);
      expect(new Set(observations.map((o) => o.id)).size).toBe(observations.length);
      const patientIds = new Set(ndjson(await (await fetch(patients?.url as string, { headers: { authorization: `Bearer ${epic.token}` } })).text()).map((p) => p.id));
      expect(observations.every((o) => patientIds.has(String((o.subject as { reference: string }).reference).slice('Patient/'.length)))).toBe(true);
    } finally {
      await bulkSettings(sandbox, { vendor: 'epic', patientMultiplier: 1, maxResourcesPerFile: 1_000 });
    }
  });
});
