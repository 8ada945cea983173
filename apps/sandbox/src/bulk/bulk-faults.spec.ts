import { EPIC_BULK_GROUP_ID } from '../epic/epic-bulk';
import { ORACLE_BULK_GROUP_ID } from '../oracle/oracle-bulk';
import { bulkLedger, finishedManifest, injectFault, kickoffGet, ndjson, poll, startExport, testClock, type OutcomeJson, type TestClock } from '../testing/bulk-harness';
import { epicSession, oracleSession, postJson, startTestSandbox, type EpicSession, type OracleSession, type TestSandbox } from '../testing/sandbox-harness';

describe('$export faults', () => {
  let sandbox: TestSandbox;
  let epic: EpicSession;
  let oracle: OracleSession;
  let clock: TestClock;
  let epicKickoff: string;

  beforeAll(async () => {
    clock = testClock();
    sandbox = await startTestSandbox({ now: clock.now });
    epic = await epicSession(sandbox);
    oracle = await oracleSession(sandbox);
    epicKickoff = `${epic.base}/Group/${EPIC_BULK_GROUP_ID}/$export?_type=Patient`;
  });
  afterEach(async () => {
    clock.reset();
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    await fetch(`${sandbox.url}/_sandbox/bulk/jobs`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await epic.keys.close();
    await sandbox.dispose();
  });

  it('bulk-status-error: the next status polls answer 503 with Retry-After, then the real status; all are recorded', async () => {
    const statusUrl = await startExport(epicKickoff, epic.token);
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-status-error', count: 2, retryAfterSeconds: 4 });
    const first = await poll(statusUrl, epic.token);
    expect([first.status, first.headers.get('retry-after')]).toEqual([503, '4']);
    expect(((await first.json()) as OutcomeJson).resourceType).toBe('OperationOutcome');
    expect((await poll(statusUrl, epic.token)).status).toBe(503);
    expect((await poll(statusUrl, epic.token)).status).toBe(202);
    expect((await bulkLedger(sandbox, 'epic')).jobs[0]?.statusCalls.map((c) => c.status)).toEqual([503, 503, 202]);
  });

  it('bulk-status-error takes a 5xx status; bulk-status-rate-limit answers 429', async () => {
    const statusUrl = await startExport(epicKickoff, epic.token);
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-status-error', status: 502 });
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-status-rate-limit', retryAfterSeconds: 9 });
    expect((await poll(statusUrl, epic.token)).status).toBe(502);
    const limited = await poll(statusUrl, epic.token);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '9']);
    expect((await postJson(`${sandbox.url}/_sandbox/faults`, { vendor: 'epic', kind: 'bulk-status-error', status: 429 })).status).toBe(400);
  });

  it('status faults wait for a status poll: kick-offs and other requests do not consume them', async () => {
    await injectFault(sandbox, { vendor: 'oracle', kind: 'bulk-status-rate-limit' });
    const oracleKickoff = `${oracle.base}/Group/${ORACLE_BULK_GROUP_ID}/$export?_type=Patient`;
    const statusUrl = await startExport(oracleKickoff, oracle.token);
    expect((await poll(statusUrl, oracle.token)).status).toBe(429);
    expect((await poll(statusUrl, oracle.token)).status).toBe(202);
  });

  it('bulk-job-failed: the job fails when its time is up, and its status answers 500 OperationOutcome', async () => {
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-job-failed' });
    const statusUrl = await startExport(epicKickoff, epic.token);
    expect((await poll(statusUrl, epic.token)).status).toBe(202);
    clock.advance(2_000);
    const failed = await poll(statusUrl, epic.token);
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as OutcomeJson).issue[0]).toMatchObject({ severity: 'error', code: 'exception' });
    expect((await bulkLedger(sandbox, 'epic')).jobs[0]?.state).toBe('failed');
  });

  it('bulk-job-error-file: the manifest lists an OperationOutcome error file beside the complete output', async () => {
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-job-error-file' });
    const manifest = await finishedManifest(await startExport(epicKickoff, epic.token), epic.token, clock);
    expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: 60 })]);
    expect(manifest.error).toEqual([{ type: 'OperationOutcome', url: expect.stringMatching(/\/OperationOutcome-1\.ndjson$/), count: 1 }]);
    const lines = ndjson(await (await fetch(manifest.error[0]?.url as string, { headers: { authorization: `Bearer ${epic.token}` } })).text());
    expect(lines).toEqual([expect.objectContaining({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code: 'exception' })] })]);
  });

  it('bulk-job-slow: the job runs for delayMs instead of the vendor duration', async () => {
    await injectFault(sandbox, { vendor: 'epic', kind: 'bulk-job-slow', delayMs: 120_000 });
    const statusUrl = await startExport(epicKickoff, epic.token);
    clock.advance(60_000);
    const running = await poll(statusUrl, epic.token);
    expect([running.status, running.headers.get('x-progress')]).toEqual([202, '50% complete']);
    clock.advance(60_000);
    expect((await poll(statusUrl, epic.token)).status).toBe(200);
  });

  it('generic faults hit kick-offs too (no job started) and downloads (malformed-json cuts the last line)', async () => {
    await injectFault(sandbox, { vendor: 'epic', kind: 'rate-limit', retryAfterSeconds: 3 });
    const limited = await kickoffGet(epicKickoff, epic.token);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await bulkLedger(sandbox, 'epic')).kickoffs).toEqual([expect.objectContaining({ status: 429, jobId: null })]);

    const manifest = await finishedManifest(await startExport(epicKickoff, epic.token), epic.token, clock);
    await injectFault(sandbox, { vendor: 'epic', kind: 'malformed-json' });
    const text = await (await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${epic.token}` } })).text();
    const lines = text.split('\n');
    expect(lines).toHaveLength(60);
    expect(() => JSON.parse(lines[59] as string) as unknown).toThrow();
    expect(ndjson(lines.slice(0, 59).join('\n'))).toHaveLength(59);
  });

  it('slow-drip on a download: headers at once, the body after delayMs', async () => {
    const manifest = await finishedManifest(await startExport(epicKickoff, epic.token), epic.token, clock);
    await injectFault(sandbox, { vendor: 'epic', kind: 'slow-drip', delayMs: 300 });
    const started = Date.now();
    const res = await fetch(manifest.output[0]?.url as string, { headers: { authorization: `Bearer ${epic.token}` } });
    expect(Date.now() - started).toBeLessThan(250);
    expect(ndjson(await res.text())).toHaveLength(60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
